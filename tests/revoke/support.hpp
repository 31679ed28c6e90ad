// SPDX-License-Identifier: Apache-2.0
#pragma once
// Fixtures for the libpki/crl unit tests: generated CAs and a scratch registry.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "crl/builder.hpp"
#include "keys/keys.hpp"
#include "registry/certs.hpp"
#include "registry/registry.hpp"
#include "registry/sqlite.hpp"
#include "x509/pem.hpp"
#include "x509/profile.hpp"

namespace revtest {

// A directory removed when the fixture dies.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& tag)
      : path(std::filesystem::temp_directory_path() /
             ("pki-crl-" + tag + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
};

inline pki::x509::Signer make_root(pki::keys::KeyType type = pki::keys::KeyType::ec_p256) {
  pki::PkeyPtr key = pki::keys::generate(type);
  pki::X509Ptr cert = pki::x509::make_root(key.get(), "CRL Test Root", "Unit Org", 30);
  return pki::x509::Signer{"root", std::move(cert), std::move(key)};
}

inline pki::x509::Signer make_issuing(const pki::x509::Signer& root, const std::string& name) {
  pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::X509Ptr cert = pki::x509::make_issuing(root, key.get(), "CRL Test " + name, "Unit Org", 20);
  return pki::x509::Signer{name, std::move(cert), std::move(key)};
}

// A registry row without a real certificate behind it (the CRL needs only the
// serial, issuer and revocation columns).
inline pki::db::CertRecord synthetic(const std::string& serial, const std::string& device,
                                     const std::string& issuer, std::int64_t not_after) {
  pki::db::CertRecord r;
  r.serial = serial;
  r.device_id = device;
  r.profile = "device";
  r.issuer = issuer;
  r.subject = "CN=" + device;
  r.not_before = 1000;
  r.not_after = not_after;
  r.issued_at = 1000;
  r.pem = "-";
  return r;
}

inline pki::X509CrlPtr parse_der(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  pki::X509CrlPtr crl(::d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl) pki::throw_ossl(pki::Exit::data, "test: CRL does not parse");
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    throw pki::Error(pki::Exit::data, "test: trailing bytes");
  }
  return crl;
}

inline std::int64_t count(sqlite3* db, const std::string& sql) {
  pki::db::Stmt q(db, sql);
  q.step();
  return q.int64(0);
}

}  // namespace revtest
