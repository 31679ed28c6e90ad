// SPDX-License-Identifier: Apache-2.0
#pragma once
// Issuing a leaf certificate and recording it: registry row + journal record.
#include "config/settings.hpp"
#include "registry/certs.hpp"
#include "x509/profile.hpp"

namespace pki::ca {

struct Issued {
  X509Ptr cert;
  db::CertRecord record;
};

// Builds, signs and records the certificate. Runs inside the caller's WriteTxn so
// that issuance commits together with whatever caused it (e.g. a token redemption).
[[nodiscard]] Issued issue_leaf(sqlite3* db, const x509::Signer& ca, EVP_PKEY* subject_key,
                                const x509::LeafSpec& spec, const config::Settings& settings);

// The full chain for a leaf: the signer's certificate, then the root (when different).
[[nodiscard]] std::string chain_pem(const x509::Signer& ca, X509* root);

}  // namespace pki::ca
