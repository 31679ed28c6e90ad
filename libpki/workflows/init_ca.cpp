// SPDX-License-Identifier: Apache-2.0
#include "workflows/init_ca.hpp"

#include <unistd.h>

#include "ca/issue.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "keys/ca_key.hpp"
#include "x509/pem.hpp"

namespace pki::workflows {
namespace {

namespace stdfs = std::filesystem;

// Records `cert` and writes its file as the last step of one transaction; the file is
// removed again when the commit fails (no CA certificate without its registry record).
store::CertRecord record_and_write(store::Store& db, X509* cert, std::string_view profile,
                                   std::string_view action, nlohmann::json detail,
                                   const stdfs::path& cert_path) {
  bool written = false;
  try {
    return db.in_transaction([&] {
      store::CertRecord rec =
          ca::record_issued(db, cert, profile, "root", action, std::move(detail));
      fs::write_file_atomic(cert_path, x509::to_pem(cert), 0644);
      written = true;
      return rec;
    });
  } catch (...) {
    if (written) ::unlink(cert_path.c_str());
    throw;
  }
}

// The new CA key: in the token of `uri_text` (found or generated; PIN from `source`),
// else generated here. `uri` gets the parsed URI when there is one.
PkeyPtr new_ca_key(const config::Settings& settings, const std::string& uri_text,
                   keys::KeyType type, const keys::PassphraseSource& source,
                   std::optional<keys::Pkcs11Uri>& uri) {
  if (uri_text.empty()) return keys::generate(type);
  uri = keys::parse_pkcs11_uri(uri_text);
  return keys::make_token_key(settings.hsm_module, *uri, type, source);
}

void refuse_passphrase_with_uri(const std::string& uri_text, bool no_passphrase) {
  if (!uri_text.empty() && no_passphrase) {
    throw Error(Exit::usage, "--no-passphrase is for a key file; a token key is behind its PIN");
  }
}

}  // namespace

NewCa init_root(const ca::Home& home, const RootSpec& spec, const keys::PassphraseSource& source) {
  std::error_code ec;
  if (stdfs::exists(home.root_cert_path(), ec)) {
    throw Error(Exit::cant_create, "PKI home " + home.dir().string() +
                                       " already has a root CA; refusing to overwrite it");
  }
  if (spec.cn.empty()) throw Error(Exit::usage, "--cn must not be empty");
  refuse_passphrase_with_uri(spec.key_uri, spec.no_passphrase);
  if (!spec.key_uri.empty()) (void)keys::parse_pkcs11_uri(spec.key_uri);  // before any prompt
  const Secret pass = spec.key_uri.empty() ? source.for_new_key(spec.no_passphrase) : Secret();
  // Read settings first: an operator may pre-seed iot-pki.toml (e.g. Argon2 cost, the
  // PKCS#11 module).
  const config::Settings settings = home.settings();
  std::optional<keys::Pkcs11Uri> uri;
  const PkeyPtr key = new_ca_key(settings, spec.key_uri, spec.type, source, uri);
  fs::ensure_private_dir(home.dir());
  fs::ensure_private_dir(home.root_cert_path().parent_path());
  const std::string org = spec.org.empty() ? settings.organisation : spec.org;
  const std::int64_t days = spec.days > 0 ? spec.days : settings.root_days;
  const X509Ptr cert = x509::make_root(key.get(), spec.cn, org, days);

  if (!stdfs::exists(home.settings_path(), ec)) {
    fs::write_file_atomic(home.settings_path(), config::default_settings_toml(org), 0600);
  }
  nlohmann::json detail = {{"key", keys::key_type_name(spec.type)}, {"encrypted", !pass.empty()}};
  if (uri) {
    keys::record_uri(home.root_key_path(), *uri);
    detail = {{"key_uri", uri->str()}};
  } else {
    keys::write_private_key(home.root_key_path(), key.get(), pass);
  }
  const auto db = home.create_store();
  NewCa out;
  out.record =
      record_and_write(*db, cert.get(), "root", "init", std::move(detail), home.root_cert_path());
  out.cert_path = home.root_cert_path();
  out.key_path = uri ? keys::uri_record_path(home.root_key_path()) : home.root_key_path();
  out.encrypted = !pass.empty() || uri.has_value();
  if (uri) out.key_uri = uri->str();
  return out;
}

NewCa create_issuing(const ca::Home& home, const IssuingSpec& spec,
                     const keys::PassphraseSource& source) {
  return create_issuing(home, spec, source, source);
}

NewCa create_issuing(const ca::Home& home, const IssuingSpec& spec,
                     const keys::PassphraseSource& source,
                     const keys::PassphraseSource& root_pass) {
  ca::require_ca_name(spec.name);
  home.require_initialised();
  const stdfs::path dir = home.issuing_dir(spec.name);
  std::error_code ec;
  if (stdfs::exists(dir / "ca.crt", ec)) {
    throw Error(Exit::cant_create,
                "issuing CA '" + spec.name + "' already exists in " + dir.string());
  }
  const config::Settings settings = home.settings();
  const auto db = home.open_store();
  // Asked first, so a passphrase too weak for a new key is refused (65) before the root
  // key is opened with it.
  refuse_passphrase_with_uri(spec.key_uri, spec.no_passphrase);
  if (!spec.key_uri.empty()) (void)keys::parse_pkcs11_uri(spec.key_uri);
  const Secret pass = spec.key_uri.empty() ? source.for_new_key(spec.no_passphrase) : Secret();
  const x509::Signer root = home.load_root(root_pass);
  std::optional<keys::Pkcs11Uri> uri;
  const PkeyPtr key = new_ca_key(settings, spec.key_uri, spec.type, source, uri);
  const std::int64_t days = spec.days > 0 ? spec.days : settings.issuing_days;
  const X509Ptr cert =
      x509::make_issuing(root, key.get(), spec.cn, settings.organisation, days, settings);

  fs::ensure_private_dir(dir);
  nlohmann::json detail = {{"name", spec.name}, {"key", keys::key_type_name(spec.type)}};
  if (uri) {
    keys::record_uri(dir / "ca.key", *uri);
    detail["key_uri"] = uri->str();
  } else {
    keys::write_private_key(dir / "ca.key", key.get(), pass);
  }
  NewCa out;
  out.record = record_and_write(*db, cert.get(), "issuing", "intermediate", std::move(detail),
                                dir / "ca.crt");
  out.cert_path = dir / "ca.crt";
  out.key_path = uri ? keys::uri_record_path(dir / "ca.key") : dir / "ca.key";
  out.encrypted = !pass.empty() || uri.has_value();
  if (uri) out.key_uri = uri->str();
  return out;
}

}  // namespace pki::workflows
