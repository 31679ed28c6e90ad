// SPDX-License-Identifier: Apache-2.0
#include "workflows/publisher.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include "ca/issue.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "keys/ca_key.hpp"
#include "trustsign/publisher.hpp"
#include "x509/csr.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::workflows {
namespace {

namespace stdfs = std::filesystem;

constexpr std::int64_t kPublisherDays = 825;

bool key_file_encrypted(const stdfs::path& p) {
  std::error_code ec;
  if (!stdfs::exists(p, ec)) return false;
  const Secret pem = fs::read_private_file(p);
  return pem.view().find("ENCRYPTED") != std::string_view::npos;
}

std::string publisher_cn(const ca::Home& home) {
  const std::string org = home.settings().organisation;
  return (org.empty() ? std::string("iot-pki") : org) + " trust publisher";
}

// The passphrase of a new publisher key: the CA keys' rule (--no-passphrase only when
// they are unencrypted too).
Secret new_key_passphrase(const ca::Home& home, const keys::PassphraseSource& pass,
                          bool no_passphrase) {
  if (no_passphrase && home_keys_encrypted(home)) {
    throw Error(Exit::usage,
                "--no-passphrase: this home's CA keys are encrypted, so the publisher key is "
                "too (give --passphrase-file or answer the prompt)");
  }
  return pass.for_new_key(no_passphrase);
}

void refuse_existing(const ca::Home& home, bool replace) {
  std::error_code ec;
  if (!replace && stdfs::exists(publisher_cert_path(home), ec)) {
    throw Error(Exit::cant_create, "this home has a publisher already (" +
                                       publisher_cert_path(home).string() +
                                       "); --replace makes a new key and certificate");
  }
}

store::CertRecord record(const ca::Home& home, X509* cert, std::string_view how) {
  const auto db = home.open_store();
  return db->in_transaction([&] {
    return ca::record_issued(*db, cert, "publisher", "root", "publisher",
                             {{"how", how}, {"eku", trustsign::kDocumentSigningOid}});
  });
}

NewCa install(const ca::Home& home, X509* cert, bool encrypted) {
  fs::write_file_atomic(publisher_cert_path(home), x509::to_pem(cert), 0644);
  NewCa out;
  out.record = ca::record_for(cert, "publisher", "root");
  out.cert_path = publisher_cert_path(home);
  out.key_path = publisher_key_path(home);
  out.encrypted = encrypted;
  return out;
}

}  // namespace

stdfs::path publisher_key_path(const ca::Home& home) {
  return home.dir() / "publisher" / "publisher.key";
}
stdfs::path publisher_cert_path(const ca::Home& home) {
  return home.dir() / "publisher" / "publisher.crt";
}

bool home_keys_encrypted(const ca::Home& home) {
  if (key_file_encrypted(home.root_key_path())) return true;
  for (const auto& name : home.issuing_names()) {
    if (key_file_encrypted(home.issuing_dir(name) / "ca.key")) return true;
  }
  return false;
}

NewCa create_publisher(const ca::Home& home, const keys::PassphraseSource& pass,
                       const keys::PassphraseSource& root_pass, bool no_passphrase, bool replace) {
  home.require_initialised();
  refuse_existing(home, replace);
  // A root key in a token puts the publisher key in the same token (its own object, named
  // after the root's and the time, so --replace makes a new one), behind the root's PIN.
  std::optional<keys::Pkcs11Uri> uri = keys::recorded_uri(home.root_key_path());
  if (uri) {
    uri->object = (uri->object.empty() ? std::string("iot-pki") : uri->object) + "-publisher-" +
                  std::to_string(pki::now_unix());
    uri->id.clear();
  }
  const Secret secret = uri ? Secret() : new_key_passphrase(home, pass, no_passphrase);
  const x509::Signer root = home.load_root(root_pass);
  const PkeyPtr key = uri ? keys::make_token_key(home.settings().hsm_module, *uri,
                                                 keys::KeyType::ec_p256, root_pass)
                          : keys::generate(keys::KeyType::ec_p256);
  const X509Ptr cert = trustsign::make_publisher(root, key.get(), publisher_cn(home),
                                                 home.settings().organisation, kPublisherDays);
  fs::ensure_private_dir(publisher_key_path(home).parent_path());
  if (uri) {
    std::error_code ec;
    stdfs::remove(publisher_key_path(home), ec);  // a replaced file key goes
    keys::record_uri(publisher_key_path(home), *uri);
  } else {
    std::error_code ec;
    stdfs::remove(keys::uri_record_path(publisher_key_path(home)), ec);
    keys::write_private_key(publisher_key_path(home), key.get(), secret);
  }
  NewCa out = install(home, cert.get(), !secret.empty() || uri.has_value());
  if (uri) out.key_path = keys::uri_record_path(publisher_key_path(home));
  out.record = record(home, cert.get(), "one home");
  return out;
}

std::string publisher_request(const ca::Home& home, const keys::PassphraseSource& pass,
                              bool no_passphrase, bool replace) {
  refuse_existing(home, replace);
  const Secret secret = new_key_passphrase(home, pass, no_passphrase);
  const PkeyPtr key = keys::generate(keys::KeyType::ec_p256);
  X509ReqPtr req(::X509_REQ_new());
  X509NamePtr name(::X509_NAME_new());
  const std::string cn = publisher_cn(home);
  if (!req || !name ||
      ::X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.data()),
                                   static_cast<int>(cn.size()), -1, 0) != 1 ||
      ::X509_REQ_set_subject_name(req.get(), name.get()) != 1 ||
      ::X509_REQ_set_pubkey(req.get(), key.get()) != 1 ||
      ::X509_REQ_sign(req.get(), key.get(), ::EVP_sha256()) <= 0) {
    throw_ossl(Exit::internal, "building the publisher CSR");
  }
  fs::ensure_private_dir(home.dir());
  fs::ensure_private_dir(publisher_key_path(home).parent_path());
  std::error_code ec;
  stdfs::remove(publisher_cert_path(home), ec);  // the old certificate is for the old key
  keys::write_private_key(publisher_key_path(home), key.get(), secret);
  const BioPtr bio(::BIO_new(::BIO_s_mem()));
  if (!bio || ::PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) {
    throw_ossl(Exit::internal, "writing the publisher CSR");
  }
  char* p = nullptr;
  const long n = ::BIO_get_mem_data(bio.get(), &p);
  std::string pem(p, static_cast<std::size_t>(n));
  fs::write_file_atomic(publisher_key_path(home).parent_path() / "request.csr", pem, 0644);
  return pem;
}

std::string sign_publisher_request(const ca::Home& home, const keys::PassphraseSource& pass,
                                   std::string_view csr_bytes) {
  home.require_initialised();
  const x509::Csr csr = x509::parse_csr(csr_bytes, "publisher CSR");
  const PkeyPtr key(::X509_REQ_get_pubkey(csr.req.get()));
  if (!key) throw_ossl(Exit::data, "publisher CSR: no public key");
  const x509::Signer root = home.load_root(pass);
  const std::string cn = csr.common_name.empty() ? publisher_cn(home) : csr.common_name;
  if (cn.size() > 64) throw Error(Exit::data, "publisher CSR: the CN is longer than 64 characters");
  const X509Ptr cert =
      trustsign::make_publisher(root, key.get(), cn, home.settings().organisation, kPublisherDays);
  (void)record(home, cert.get(), "csr");
  return x509::to_pem(cert.get());
}

NewCa import_publisher(const ca::Home& home, std::string_view cert_pem) {
  home.require_initialised();
  const X509Ptr cert = x509::cert_from_pem(cert_pem, "publisher certificate");
  if (const std::string p = trustsign::publisher_problem(cert.get()); !p.empty()) {
    throw Error(Exit::data, p);
  }
  const X509Ptr root = home.root_cert();
  if (::X509_check_issued(root.get(), cert.get()) != X509_V_OK ||
      ::X509_verify(cert.get(), ::X509_get0_pubkey(root.get())) != 1) {
    clear_ossl_errors();
    throw Error(Exit::data, "the publisher certificate is not issued by this home's root (" +
                                x509::one_line(::X509_get_subject_name(root.get())) + ")");
  }
  std::error_code ec;
  const stdfs::path request = publisher_key_path(home).parent_path() / "request.csr";
  if (!stdfs::exists(request, ec) || !stdfs::exists(publisher_key_path(home), ec)) {
    throw Error(Exit::no_input,
                "no publisher request in this home: run iot-ca publisher --request first");
  }
  // Only the public halves are compared (the CSR kept beside the key), so an encrypted
  // key is not opened here; the export's load checks the pair again.
  const x509::Csr csr = x509::parse_csr(fs::read_file(request, fs::kCsrLimit), request.string());
  const PkeyPtr want(::X509_REQ_get_pubkey(csr.req.get()));
  if (!want || ::EVP_PKEY_eq(want.get(), ::X509_get0_pubkey(cert.get())) != 1) {
    clear_ossl_errors();
    throw Error(Exit::data, "the publisher certificate is not for this home's publisher key (" +
                                request.string() + ")");
  }
  return install(home, cert.get(), key_file_encrypted(publisher_key_path(home)));
}

x509::Signer load_publisher(const ca::Home& home, const keys::PassphraseSource& pass,
                            const keys::PassphraseSource& root_pass) {
  std::error_code ec;
  if (!stdfs::exists(publisher_cert_path(home), ec)) {
    if (!home.has_root_key()) {
      throw Error(Exit::no_input,
                  "no publisher certificate in this home (" + publisher_cert_path(home).string() +
                      ") and no root key to make one: run `iot-ca publisher --request --out "
                      "publisher.csr` here, `iot-ca publisher --csr publisher.csr --out "
                      "publisher.crt` in the root home, then `iot-ca publisher --import "
                      "publisher.crt` here");
    }
    (void)create_publisher(home, pass, root_pass, !home_keys_encrypted(home), false);
  }
  X509Ptr cert = x509::cert_from_pem(fs::read_file(publisher_cert_path(home), fs::kCertLimit),
                                     "publisher certificate");
  PkeyPtr key = keys::open_key(publisher_key_path(home), home.settings().hsm_module, pass);
  if (::X509_check_private_key(cert.get(), key.get()) != 1) {
    clear_ossl_errors();
    throw Error(Exit::config, publisher_key_path(home).string() +
                                  " does not belong to the certificate beside it");
  }
  return x509::Signer{"publisher", std::move(cert), std::move(key)};
}

}  // namespace pki::workflows
