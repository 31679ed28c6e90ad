// SPDX-License-Identifier: Apache-2.0
#include "ca/issue.hpp"

#include "journal/journal.hpp"
#include "x509/pem.hpp"

namespace pki::ca {

Issued issue_leaf(sqlite3* db, const x509::Signer& ca, EVP_PKEY* subject_key,
                  const x509::LeafSpec& spec, const config::Settings& settings) {
  X509Ptr cert = x509::make_leaf(ca, subject_key, spec, settings);
  db::CertRecord rec = db::record_for(cert.get(), x509::profile_name(spec.profile), ca.name);
  db::insert_cert(db, rec);
  journal::append(db, "issue",
                  {{"serial", rec.serial},
                   {"profile", rec.profile},
                   {"subject", rec.subject},
                   {"issuer", rec.issuer},
                   {"not_after", rec.not_after},
                   {"sha256", x509::sha256_fingerprint(cert.get())}});
  return Issued{std::move(cert), std::move(rec)};
}

std::string chain_pem(const x509::Signer& ca, X509* root) {
  std::string out = x509::to_pem(ca.cert.get());
  if (::X509_cmp(ca.cert.get(), root) != 0) out += x509::to_pem(root);
  return out;
}

}  // namespace pki::ca
