// SPDX-License-Identifier: Apache-2.0
#include "x509/profile.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::x509 {
namespace {

// Certificates start a few minutes in the past so a device whose clock lags a little
// does not reject a certificate that was just issued.
constexpr std::int64_t kBackdateSeconds = 300;

const EVP_MD* digest_for(EVP_PKEY* key) {
  // Match the hash strength to the key (RFC 5480 §4): P-384 pairs with SHA-384.
  return ::EVP_PKEY_get_bits(key) == 384 ? ::EVP_sha384() : ::EVP_sha256();
}

void add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  if (value.empty()) return;
  if (::X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
    throw_ossl(Exit::data, std::string("cannot set ") + field + " to '" + value + "'");
  }
}

X509NamePtr make_name(const std::string& cn, const std::string& ou, const std::string& org) {
  X509NamePtr name(::X509_NAME_new());
  add_name_entry(name.get(), "O", org);
  add_name_entry(name.get(), "OU", ou);
  add_name_entry(name.get(), "CN", cn);
  return name;
}

void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  const X509ExtPtr ext(::X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || ::X509_add_ext(cert, ext.get(), -1) != 1) {
    throw_ossl(Exit::internal, std::string("extension ") + ::OBJ_nid2sn(nid) + "=" + value);
  }
}

// Where a relying party fetches the signer's CRL and certificate (RFC 5280 §4.2.1.13,
// §4.2.2.1), both non-critical. The templates were checked by the settings loader (URL
// characters only, no comma), so the values cannot carry OpenSSL extension syntax.
void add_distribution(X509* cert, X509V3_CTX* ctx, const std::string& signer,
                      const config::Settings& settings) {
  if (!settings.crl_url.empty()) {
    add_ext(cert, ctx, NID_crl_distribution_points,
            "URI:" + config::expand_url_template(settings.crl_url, signer));
  }
  if (!settings.ca_issuers_url.empty()) {
    add_ext(cert, ctx, NID_info_access,
            "caIssuers;URI:" + config::expand_url_template(settings.ca_issuers_url, signer));
  }
}

X509Ptr new_cert(const X509_NAME* subject, const X509_NAME* issuer, EVP_PKEY* subject_key,
                 std::int64_t days, std::int64_t max_not_after) {
  X509Ptr cert(::X509_new());
  const Asn1IntegerPtr serial = random_serial();
  const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
  std::int64_t not_after = now + days * 86400;
  if (max_not_after > 0) not_after = std::min(not_after, max_not_after);
  if (::X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ::X509_set_serialNumber(cert.get(), serial.get()) != 1 ||
      ::X509_set_subject_name(cert.get(), subject) != 1 ||
      ::X509_set_issuer_name(cert.get(), issuer) != 1 ||
      ::X509_set_pubkey(cert.get(), subject_key) != 1 ||
      ::ASN1_TIME_set(::X509_getm_notBefore(cert.get()), now - kBackdateSeconds) == nullptr ||
      ::ASN1_TIME_set(::X509_getm_notAfter(cert.get()), not_after) == nullptr) {
    throw_ossl(Exit::internal, "building the certificate");
  }
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) {
  if (::X509_sign(cert, key, digest_for(key)) <= 0)
    throw_ossl(Exit::internal, "signing the certificate");
}

bool valid_dns(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '*';
  });
}

bool valid_ip(const std::string& s) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

Profile parse_profile(std::string_view name) {
  if (name == "device") return Profile::device;
  if (name == "server") return Profile::server;
  if (name == "admin") return Profile::admin;
  throw Error(Exit::usage,
              "unknown profile '" + std::string(name) + "' (use device, server or admin)");
}

std::string profile_name(Profile p) {
  switch (p) {
    case Profile::device:
      return "device";
    case Profile::server:
      return "server";
    case Profile::admin:
      return "admin";
  }
  return "?";
}

std::vector<std::string> parse_sans(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string item(
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (item.rfind("DNS:", 0) == 0 && valid_dns(item.substr(4))) {
      out.push_back(item);
    } else if (item.rfind("IP:", 0) == 0 && valid_ip(item.substr(3))) {
      out.push_back(item);
    } else {
      throw Error(Exit::usage, "invalid --san entry '" + item + "' (use DNS:name or IP:address)");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

X509Ptr make_root(EVP_PKEY* key, const std::string& cn, const std::string& org, std::int64_t days) {
  const X509NamePtr name = make_name(cn, "", org);
  X509Ptr cert = new_cert(name.get(), name.get(), key, days, 0);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  sign(cert.get(), key);
  return cert;
}

X509Ptr make_issuing(const Signer& root, EVP_PKEY* key, const std::string& cn,
                     const std::string& org, std::int64_t days, const config::Settings& settings) {
  const X509NamePtr name = make_name(cn, "", org);
  X509Ptr cert = new_cert(name.get(), ::X509_get_subject_name(root.cert.get()), key, days,
                          to_unix(::X509_get0_notAfter(root.cert.get())));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, root.cert.get(), cert.get(), nullptr, nullptr, 0);
  // pathLen 0: an issuing CA signs only end-entity certificates.
  add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  add_distribution(cert.get(), &ctx, root.name, settings);
  sign(cert.get(), root.key.get());
  return cert;
}

X509Ptr make_leaf(const Signer& ca, EVP_PKEY* subject_key, const LeafSpec& spec,
                  const config::Settings& settings) {
  std::string ou;
  switch (spec.profile) {
    case Profile::device:
      require_device_id(spec.common_name);
      ou = settings.device_ou;
      break;
    case Profile::admin:
      require_device_id(spec.common_name);  // operator names follow the same safe alphabet
      ou = settings.admin_ou;
      break;
    case Profile::server:
      if (spec.common_name.empty() || !valid_dns(spec.common_name)) {
        throw Error(Exit::data, "invalid server name '" + spec.common_name + "'");
      }
      break;
  }
  const X509NamePtr name = make_name(spec.common_name, ou, settings.organisation);
  X509Ptr cert = new_cert(name.get(), ::X509_get_subject_name(ca.cert.get()), subject_key,
                          spec.days, to_unix(::X509_get0_notAfter(ca.cert.get())));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.cert.get(), cert.get(), nullptr, nullptr, 0);
  add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
  add_ext(cert.get(), &ctx, NID_ext_key_usage,
          spec.profile == Profile::server ? "serverAuth" : "clientAuth");
  add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (spec.profile == Profile::server) {
    std::vector<std::string> sans = spec.sans;
    if (sans.empty()) sans.push_back("DNS:" + spec.common_name);
    std::string joined;
    for (const auto& s : sans) joined += (joined.empty() ? "" : ",") + s;
    add_ext(cert.get(), &ctx, NID_subject_alt_name, joined);
  }
  add_distribution(cert.get(), &ctx, ca.name, settings);
  sign(cert.get(), ca.key.get());
  return cert;
}

}  // namespace pki::x509
