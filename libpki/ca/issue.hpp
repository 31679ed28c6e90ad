// SPDX-License-Identifier: Apache-2.0
#pragma once
// Issuing a certificate and recording it: registry row + journal record.
#include <nlohmann/json.hpp>
#include <string_view>

#include "config/settings.hpp"
#include "store/store.hpp"
#include "x509/profile.hpp"

namespace pki::ca {

struct Issued {
  X509Ptr cert;
  store::CertRecord record;
};

// The registry record of a certificate (serial, subject, validity, PEM) issued by `issuer`.
[[nodiscard]] store::CertRecord record_for(X509* cert, std::string_view profile,
                                           std::string_view issuer);

// The one way a certificate the CA made is recorded (leaves, the root, issuing CAs):
// inserts its row and journals `action` with its serial, subject and SHA-256 plus
// `detail`. Runs inside the caller's store transaction.
store::CertRecord record_issued(store::Store& db, X509* cert, std::string_view profile,
                                std::string_view issuer, std::string_view action,
                                nlohmann::json detail);

// Builds, signs and records the certificate. Runs inside the caller's store transaction
// so that issuance commits together with whatever caused it (e.g. a token redemption).
[[nodiscard]] Issued issue_leaf(store::Store& db, const x509::Signer& ca, EVP_PKEY* subject_key,
                                const x509::LeafSpec& spec, const config::Settings& settings);

// The full chain for a leaf: the signer's certificate, then the root (when different).
[[nodiscard]] std::string chain_pem(const x509::Signer& ca, X509* root);

}  // namespace pki::ca
