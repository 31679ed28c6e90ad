// SPDX-License-Identifier: Apache-2.0
#include "ca/issue.hpp"

#include <ctime>

#include "journal/journal.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::ca {

store::CertRecord record_for(X509* cert, std::string_view profile, std::string_view issuer) {
  store::CertRecord r;
  r.serial = x509::serial_hex(cert);
  r.device_id = x509::common_name(::X509_get_subject_name(cert));
  r.profile = profile;
  r.issuer = issuer;
  r.subject = x509::one_line(::X509_get_subject_name(cert));
  r.not_before = x509::to_unix(::X509_get0_notBefore(cert));
  r.not_after = x509::to_unix(::X509_get0_notAfter(cert));
  r.issued_at = static_cast<std::int64_t>(::time(nullptr));
  r.pem = x509::to_pem(cert);
  return r;
}

store::CertRecord record_issued(store::Store& db, X509* cert, std::string_view profile,
                                std::string_view issuer, std::string_view action,
                                nlohmann::json detail) {
  store::CertRecord rec = record_for(cert, profile, issuer);
  db.insert_cert(rec);
  detail["serial"] = rec.serial;
  detail["subject"] = rec.subject;
  // What `iot-ca journal verify` compares with the certs row (journal/check.hpp).
  detail["profile"] = rec.profile;
  detail["issuer"] = rec.issuer;
  detail["device_id"] = rec.device_id;
  detail["not_after"] = rec.not_after;
  detail["sha256"] = x509::sha256_fingerprint(cert);
  journal::append(db, action, detail);
  return rec;
}

Issued issue_leaf(store::Store& db, const x509::Signer& ca, EVP_PKEY* subject_key,
                  const x509::LeafSpec& spec, const config::Settings& settings) {
  X509Ptr cert = x509::make_leaf(ca, subject_key, spec, settings);
  const std::string profile = x509::profile_name(spec.profile);
  const std::int64_t not_after = x509::to_unix(::X509_get0_notAfter(cert.get()));
  store::CertRecord rec =
      record_issued(db, cert.get(), profile, ca.name, "issue",
                    {{"profile", profile}, {"issuer", ca.name}, {"not_after", not_after}});
  return Issued{std::move(cert), std::move(rec)};
}

std::string chain_pem(const x509::Signer& ca, X509* root) {
  std::string out = x509::to_pem(ca.cert.get());
  if (::X509_cmp(ca.cert.get(), root) != 0) out += x509::to_pem(root);
  return out;
}

}  // namespace pki::ca
