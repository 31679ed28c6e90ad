// SPDX-License-Identifier: Apache-2.0
#include "ca/home.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "keys/ca_key.hpp"
#include "store/open.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::ca {
namespace {

X509Ptr load_cert(const stdfs::path& path) {
  return x509::cert_from_pem(fs::read_file(path, fs::kCertLimit), path.string());
}

// Refuses a private key whose public half does not match the certificate beside it.
x509::Signer make_signer(std::string name, X509Ptr cert, PkeyPtr key, const stdfs::path& key_path) {
  if (::X509_check_private_key(cert.get(), key.get()) != 1) {
    clear_ossl_errors();
    throw Error(Exit::config, key_path.string() + " does not belong to the certificate beside it");
  }
  return x509::Signer{std::move(name), std::move(cert), std::move(key)};
}

}  // namespace

void require_ca_name(std::string_view name) {
  if (name == "root" || !x509::is_valid_device_id(name)) {
    throw Error(Exit::usage, "invalid CA name '" + std::string(name).substr(0, 80) +
                                 "' (letters, digits, . _ -; not 'root')");
  }
}

void Home::require_initialised() const {
  std::error_code ec;
  if (!stdfs::is_directory(dir_, ec)) {
    throw Error(Exit::no_input, "PKI home " + dir_.string() +
                                    " does not exist (use --home, or run 'iot-ca init' first)");
  }
  if (!stdfs::exists(root_cert_path(), ec)) {
    throw Error(Exit::no_input,
                "PKI home " + dir_.string() +
                    " has no root CA (run 'iot-ca init' first, or in an issuing home "
                    "'iot-ca issuing-import' once the root has signed its request)");
  }
}

bool Home::has_root_key() const {
  return keys::key_present(root_key_path());
}

config::Settings Home::settings() const {
  return config::load_settings(settings_path());
}

std::unique_ptr<store::Store> Home::open_store() const {
  require_initialised();
  return store::open_store({.path = registry_path()});
}

std::unique_ptr<store::Store> Home::create_store() const {
  return store::open_store({.path = registry_path(), .create = true});
}

std::vector<std::string> Home::issuing_names() const {
  std::vector<std::pair<std::int64_t, std::string>> found;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(dir_ / "issuing", ec)) {
    if (!stdfs::exists(entry.path() / "ca.crt")) continue;
    const X509Ptr cert = load_cert(entry.path() / "ca.crt");
    found.emplace_back(x509::to_unix(::X509_get0_notBefore(cert.get())), entry.path().filename());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> names;
  for (auto& f : found) names.push_back(std::move(f.second));
  return names;
}

X509Ptr Home::root_cert() const {
  require_initialised();
  return load_cert(root_cert_path());
}

X509Ptr Home::issuing_cert(std::string_view name) const {
  const stdfs::path p = issuing_dir(name) / "ca.crt";
  std::error_code ec;
  if (!stdfs::exists(p, ec))
    throw Error(Exit::no_input, "no issuing CA named '" + std::string(name) + "'");
  return load_cert(p);
}

x509::Signer Home::load_root(const keys::PassphraseSource& pass) const {
  X509Ptr cert = root_cert();
  PkeyPtr key = keys::open_key(root_key_path(), settings().hsm_module, pass);
  return make_signer("root", std::move(cert), std::move(key), root_key_path());
}

x509::Signer Home::load_issuing(std::string_view name, const keys::PassphraseSource& pass) const {
  X509Ptr cert = issuing_cert(name);
  const stdfs::path key_path = issuing_dir(name) / "ca.key";
  PkeyPtr key = keys::open_key(key_path, settings().hsm_module, pass);
  return make_signer(std::string(name), std::move(cert), std::move(key), key_path);
}

x509::Signer Home::load_ca(std::string_view name, const keys::PassphraseSource& pass) const {
  require_initialised();
  return name == "root" ? load_root(pass) : load_issuing(name, pass);
}

std::string Home::default_signer_name() const {
  const auto names = issuing_names();
  return names.empty() ? "root" : names.back();
}

}  // namespace pki::ca
