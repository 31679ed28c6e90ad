// SPDX-License-Identifier: Apache-2.0
#include "workflows/issuing_split.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <vector>

#include "ca/issue.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "journal/journal.hpp"
#include "keys/ca_key.hpp"
#include "workflows/root_crl.hpp"
#include "x509/csr.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"
#include "x509/profile.hpp"

namespace pki::workflows {
namespace {

namespace stdfs = std::filesystem;

constexpr std::size_t kMaxCn = 64;  // ub-common-name (RFC 5280)

void require_cn(const std::string& cn, std::string_view what) {
  if (cn.empty()) throw Error(Exit::usage, std::string(what) + ": the CA needs a common name");
  if (cn.size() > kMaxCn) {
    throw Error(Exit::data, std::string(what) + ": the common name is longer than 64 bytes");
  }
  for (const char c : cn) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      throw Error(Exit::data, std::string(what) + ": the common name holds a control character");
    }
  }
}

void add_req_ext(STACK_OF(X509_EXTENSION) * exts, int nid, const char* value) {
  X509_EXTENSION* ext = ::X509V3_EXT_conf_nid(nullptr, nullptr, nid, value);
  if (ext == nullptr) throw_ossl(Exit::internal, "X509V3_EXT_conf_nid");
  sk_X509_EXTENSION_push(exts, ext);
}

std::string make_ca_csr(EVP_PKEY* key, const std::string& cn, const std::string& org) {
  X509ReqPtr req(::X509_REQ_new());
  if (!req || ::X509_REQ_set_version(req.get(), 0) != 1) throw_ossl(Exit::internal, "X509_REQ");
  X509_NAME* name = ::X509_REQ_get_subject_name(req.get());
  const auto add = [&](int nid, const std::string& v) {
    if (::X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(v.data()),
                                     static_cast<int>(v.size()), -1, 0) != 1) {
      throw_ossl(Exit::data, "the CA name '" + v + "' cannot be encoded");
    }
  };
  if (!org.empty()) add(NID_organizationName, org);
  add(NID_commonName, cn);
  if (::X509_REQ_set_pubkey(req.get(), key) != 1) throw_ossl(Exit::internal, "X509_REQ_set_pubkey");
  STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
  if (exts == nullptr) throw_ossl(Exit::internal, "sk_X509_EXTENSION_new_null");
  try {
    add_req_ext(exts, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_req_ext(exts, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (::X509_REQ_add_extensions(req.get(), exts) != 1) {
      throw_ossl(Exit::internal, "X509_REQ_add_extensions");
    }
  } catch (...) {
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    throw;
  }
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  const EVP_MD* md = ::EVP_PKEY_get_bits(key) >= 384 && ::EVP_PKEY_get_base_id(key) == EVP_PKEY_EC
                         ? ::EVP_sha384()
                         : ::EVP_sha256();
  if (::X509_REQ_sign(req.get(), key, md) <= 0) throw_ossl(Exit::internal, "X509_REQ_sign");
  const BioPtr bio(::BIO_new(::BIO_s_mem()));
  if (!bio || ::PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) {
    throw_ossl(Exit::internal, "PEM_write_bio_X509_REQ");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(len)};
}

// True when the CSR asks for a CA certificate (basicConstraints cA TRUE among its
// requested extensions): a device's or a server's request is not one.
bool requests_ca(X509_REQ* req) {
  STACK_OF(X509_EXTENSION)* exts = ::X509_REQ_get_extensions(req);
  if (exts == nullptr) {
    clear_ossl_errors();
    return false;
  }
  bool ca = false;
  const int at = ::X509v3_get_ext_by_NID(exts, NID_basic_constraints, -1);
  if (at >= 0) {
    const BasicConstraintsPtr bc(
        static_cast<BASIC_CONSTRAINTS*>(::X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts, at))));
    ca = bc && bc->ca != 0;
  }
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  clear_ossl_errors();
  return ca;
}

X509Ptr parse_one_cert(std::string_view pem, std::string_view what) {
  std::vector<X509Ptr> certs = x509::certs_from_pem(pem, what);
  if (certs.size() != 1) {
    throw Error(Exit::data, std::string(what) + ": holds " + std::to_string(certs.size()) +
                                " certificates; expected one");
  }
  return std::move(certs.front());
}

bool is_ca(X509* cert) {
  return (::X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
}

std::string same_der(X509* a, X509* b) {
  return x509::to_der(a) == x509::to_der(b) ? "" : "differ";
}

}  // namespace

IssuingRequest issuing_request(const ca::Home& home, const IssuingRequestSpec& spec,
                               const keys::PassphraseSource& source) {
  ca::require_ca_name(spec.name);
  require_cn(spec.cn, "--cn");
  const stdfs::path dir = home.issuing_dir(spec.name);
  std::error_code ec;
  if (stdfs::exists(dir / "ca.crt", ec)) {
    throw Error(Exit::cant_create,
                "issuing CA '" + spec.name + "' already exists in " + dir.string());
  }
  if (keys::key_present(dir / "ca.key") || stdfs::exists(dir / "ca.csr", ec)) {
    throw Error(Exit::cant_create, "a request for issuing CA '" + spec.name + "' is pending in " +
                                       dir.string() +
                                       " (import its certificate with iot-ca issuing-import, "
                                       "or remove that directory to start again)");
  }
  if (!spec.key_uri.empty() && spec.no_passphrase) {
    throw Error(Exit::usage, "--no-passphrase is for a key file; a token key is behind its PIN");
  }
  std::optional<keys::Pkcs11Uri> uri;
  if (!spec.key_uri.empty()) uri = keys::parse_pkcs11_uri(spec.key_uri);
  // Asked first: a refused passphrase leaves no trace.
  const Secret pass = uri ? Secret() : source.for_new_key(spec.no_passphrase);
  const config::Settings settings = home.settings();
  // A token key is found or made (and the PIN proven) before anything is written here.
  const PkeyPtr key = uri ? keys::make_token_key(settings.hsm_module, *uri, spec.type, source)
                          : keys::generate(spec.type);
  fs::ensure_private_dir(home.dir());
  if (!stdfs::exists(home.settings_path(), ec)) {
    fs::write_file_atomic(home.settings_path(),
                          config::default_settings_toml(settings.organisation), 0600);
  }
  const auto db = home.create_store();
  fs::ensure_private_dir(dir.parent_path());
  fs::ensure_private_dir(dir);
  IssuingRequest out;
  out.csr_pem = make_ca_csr(key.get(), spec.cn, settings.organisation);
  out.key_path = uri ? keys::uri_record_path(dir / "ca.key") : dir / "ca.key";
  out.csr_path = dir / "ca.csr";
  out.encrypted = !pass.empty() || uri.has_value();
  nlohmann::json detail = {{"name", spec.name},
                           {"cn", spec.cn},
                           {"key", keys::key_type_name(spec.type)},
                           {"encrypted", out.encrypted}};
  if (uri) {
    out.key_uri = uri->str();
    detail["key_uri"] = out.key_uri;
    keys::record_uri(dir / "ca.key", *uri);
  } else {
    keys::write_private_key(out.key_path, key.get(), pass);
  }
  try {
    db->transaction([&] {
      journal::append(*db, "issuing-request", detail);
      fs::write_file_atomic(out.csr_path, out.csr_pem, 0644);
    });
  } catch (...) {
    ::unlink(out.csr_path.c_str());
    ::unlink(out.key_path.c_str());
    throw;
  }
  return out;
}

SignedIssuing sign_issuing_csr(const ca::Home& home, const CsrSignSpec& spec,
                               std::string_view csr_bytes, std::string_view csr_name,
                               const keys::PassphraseSource& root_pass,
                               const std::optional<stdfs::path>& out) {
  ca::require_ca_name(spec.name);
  home.require_initialised();
  const x509::Csr csr = x509::parse_csr(csr_bytes, csr_name);  // proof of possession
  if (!requests_ca(csr.req.get())) {
    throw Error(Exit::data, std::string(csr_name) +
                                ": not a CA request (no basicConstraints CA:TRUE asked for); "
                                "make one with iot-ca issuing-request");
  }
  const std::string cn = spec.cn.empty() ? csr.common_name : spec.cn;
  require_cn(cn, csr_name);
  const config::Settings settings = home.settings();
  const auto db = home.open_store();
  const x509::Signer root = home.load_root(root_pass);
  const std::int64_t days = spec.days > 0 ? spec.days : settings.issuing_days;
  // The issuing profile decides subject O and every extension; the CSR gives its key.
  const X509Ptr cert = x509::make_issuing(root, ::X509_REQ_get0_pubkey(csr.req.get()), cn,
                                          settings.organisation, days);
  SignedIssuing signed_ca;
  signed_ca.pem = x509::to_pem(cert.get());
  bool written = false;
  try {
    signed_ca.record = db->in_transaction([&] {
      store::CertRecord rec = ca::record_issued(*db, cert.get(), "issuing", "root", "intermediate",
                                                {{"name", spec.name}, {"from_csr", true}});
      if (out) {
        fs::write_file_atomic(*out, signed_ca.pem, 0644);
        written = true;
      }
      return rec;
    });
  } catch (...) {
    if (written) ::unlink(out->c_str());
    throw;
  }
  return signed_ca;
}

Imported issuing_import(const ca::Home& home, const ImportInputs& in, std::int64_t now) {
  ca::require_ca_name(in.name);
  const stdfs::path dir = home.issuing_dir(in.name);
  std::error_code ec;
  if (stdfs::exists(dir / "ca.crt", ec)) {
    throw Error(Exit::cant_create,
                "issuing CA '" + in.name + "' is installed already in " + dir.string());
  }
  if (!stdfs::exists(dir / "ca.csr", ec) || !keys::key_present(dir / "ca.key")) {
    throw Error(Exit::no_input, "no pending request for issuing CA '" + in.name + "' in " +
                                    dir.string() + " (run iot-ca issuing-request first)");
  }
  // --- every check before any write
  const x509::Csr csr =
      x509::parse_csr(fs::read_file(dir / "ca.csr", fs::kCsrLimit), (dir / "ca.csr").string());
  const X509Ptr cert = parse_one_cert(in.cert_pem, in.cert_name);
  const X509Ptr root = parse_one_cert(in.root_pem, in.root_name);
  if (::EVP_PKEY_eq(::X509_get0_pubkey(cert.get()), ::X509_REQ_get0_pubkey(csr.req.get())) != 1) {
    clear_ossl_errors();
    throw Error(Exit::data, in.cert_name + ": does not match the key of issuing CA '" + in.name +
                                "' (" + (dir / "ca.key").string() + ")");
  }
  if (!is_ca(root.get()) || ::X509_check_issued(root.get(), root.get()) != X509_V_OK ||
      ::X509_verify(root.get(), ::X509_get0_pubkey(root.get())) != 1) {
    clear_ossl_errors();
    throw Error(Exit::data, in.root_name + ": not a self-signed root CA certificate");
  }
  const bool have_root = stdfs::exists(home.root_cert_path(), ec);
  if (have_root && !same_der(home.root_cert().get(), root.get()).empty()) {
    throw Error(Exit::data, in.root_name + ": a different root than this home's " +
                                home.root_cert_path().string());
  }
  if (::X509_check_issued(root.get(), cert.get()) != X509_V_OK ||
      ::X509_verify(cert.get(), ::X509_get0_pubkey(root.get())) != 1) {
    clear_ossl_errors();
    throw Error(Exit::data, in.cert_name + ": not signed by the root " + in.root_name);
  }
  if (!is_ca(cert.get()) || ::X509_get_pathlen(cert.get()) != 0) {
    throw Error(Exit::data,
                in.cert_name + ": not an issuing CA certificate (CA:TRUE, pathLenConstraint 0)");
  }
  const std::int64_t nb = x509::to_unix(::X509_get0_notBefore(cert.get()));
  const std::int64_t na = x509::to_unix(::X509_get0_notAfter(cert.get()));
  if (now < nb - 300 || now >= na) {
    throw Error(Exit::data, in.cert_name + ": not valid now (" + std::to_string(nb) + " to " +
                                std::to_string(na) + ")");
  }
  std::optional<crl::IssuedCrl> root_crl;
  if (in.root_crl) {
    root_crl = check_root_crl(root.get(), *in.root_crl, in.root_crl_name);
    if (root_crl->next_update <= now) {
      throw Error(Exit::data,
                  in.root_crl_name + ": expired; sign a fresh one at the root ceremony");
    }
  }
  // --- then the writes, in one registry transaction; the certificate file last (its
  // presence marks the CA as installed), each new file removed again on failure.
  const auto db = home.create_store();
  std::vector<stdfs::path> created;
  Imported out;
  out.cert_path = dir / "ca.crt";
  try {
    out.record = db->in_transaction([&] {
      const std::string root_serial = x509::serial_hex(root.get());
      if (!db->find_cert(root_serial)) {
        (void)ca::record_issued(*db, root.get(), "root", "root", "import-root", {});
      }
      store::CertRecord rec = ca::record_issued(*db, cert.get(), "issuing", "root",
                                                "issuing-import", {{"name", in.name}});
      fs::ensure_private_dir(home.root_cert_path().parent_path());
      if (!have_root) {
        fs::write_file_atomic(home.root_cert_path(), x509::to_pem(root.get()), 0644);
        created.push_back(home.root_cert_path());
      }
      if (root_crl) {
        journal::append(*db, "import-root-crl",
                        {{"crl_number", root_crl->number},
                         {"next_update", root_crl->next_update},
                         {"entries", root_crl->entries},
                         {"sha256", root_crl->sha256}});
        if (!stdfs::exists(home.root_crl_path(), ec)) created.push_back(home.root_crl_path());
        keep_root_crl(home, root_crl->der);
        out.root_crl_number = root_crl->number;
      }
      fs::write_file_atomic(out.cert_path, x509::to_pem(cert.get()), 0644);
      created.push_back(out.cert_path);
      return rec;
    });
  } catch (...) {
    for (const auto& p : created) ::unlink(p.c_str());
    throw;
  }
  return out;
}

}  // namespace pki::workflows
