// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one C++ fixture of the unit tests (libpki and gateway): a scratch directory,
// the exit code an operation fails with, and generated CAs. Folder-specific helpers
// build on it (tests/libpki/crl/crl_fixture.hpp).
#include <openssl/x509.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "keys/keys.hpp"
#include "x509/profile.hpp"

namespace test {

// A fresh directory (mkdtemp: unique per process and per fixture), removed when the
// fixture dies.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& tag = "t") {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / ("pki-" + tag + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw pki::Error(pki::Exit::io, "test: mkdtemp failed");
    path = tmpl;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// The exit code `fn` fails with (Exit::ok when it does not throw pki::Error).
inline pki::Exit code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const pki::Error& e) {
    return e.code();
  }
  return pki::Exit::ok;
}

inline pki::x509::Signer make_root(pki::keys::KeyType type = pki::keys::KeyType::ec_p256,
                                   const std::string& cn = "Unit Root") {
  pki::PkeyPtr key = pki::keys::generate(type);
  pki::X509Ptr cert = pki::x509::make_root(key.get(), cn, "Unit Org", 30);
  return pki::x509::Signer{"root", std::move(cert), std::move(key)};
}

inline pki::x509::Signer make_issuing(const pki::x509::Signer& root, const std::string& name) {
  pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::X509Ptr cert = pki::x509::make_issuing(root, key.get(), "Unit " + name, "Unit Org", 20);
  return pki::x509::Signer{name, std::move(cert), std::move(key)};
}

// A DER CRL parsed strictly (no trailing bytes).
inline pki::X509CrlPtr parse_der_crl(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  pki::X509CrlPtr crl(::d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl) pki::throw_ossl(pki::Exit::data, "test: CRL does not parse");
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    throw pki::Error(pki::Exit::data, "test: trailing bytes");
  }
  return crl;
}

}  // namespace test
