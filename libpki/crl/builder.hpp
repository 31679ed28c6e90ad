// SPDX-License-Identifier: Apache-2.0
#pragma once
// X.509 v2 CRLs (RFC 5280 §5) that stay cheap at a million entries.
//
// OpenSSL builds and signs a CRL with no entries but with every field and extension
// (the template: version 2, issuer, thisUpdate, nextUpdate, AKI, CRL Number). Entries
// are DER-encoded by der::append_revoked straight into one buffer, the
// revokedCertificates SEQUENCE is spliced into the template's TBSCertList before its
// [0] extensions, and that TBS is signed with EVP_DigestSign. OpenSSL never holds the
// revoked list, so memory is about one byte per byte of output.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/handles.hpp"
#include "crl/reason.hpp"
#include "x509/profile.hpp"

namespace pki::crl {

struct CrlFields {
  std::int64_t number = 0;  // CRL Number (RFC 5280 §5.2.3), > 0
  std::int64_t this_update = 0;
  std::int64_t next_update = 0;
};

class CrlBuilder {
 public:
  // Builds the template; `expected_entries` only sizes the buffer.
  CrlBuilder(const x509::Signer& ca, const CrlFields& fields, std::size_t expected_entries = 0);
  CrlBuilder(const CrlBuilder&) = delete;
  CrlBuilder& operator=(const CrlBuilder&) = delete;

  // Adds one revoked certificate (serial as uppercase or lowercase hex).
  void add(std::string_view serial_hex, std::int64_t revoked_at, Reason reason);
  [[nodiscard]] std::size_t entries() const noexcept { return entries_; }

  // Splices, signs, checks the signature with the CA certificate's public key and
  // returns the DER CertificateList. Call once.
  [[nodiscard]] std::string finish();

 private:
  PkeyPtr key_;
  X509Ptr cert_;
  const EVP_MD* md_ = nullptr;
  std::string prefix_;      // TBS content up to and including nextUpdate
  std::string extensions_;  // the TBS's [0] crlExtensions element
  std::string algorithm_;   // signatureAlgorithm AlgorithmIdentifier
  std::string buf_;         // gap_ bytes reserved for headers, then the entries
  std::size_t gap_ = 0;
  std::size_t entries_ = 0;
  bool finished_ = false;
};

// PEM armour ("X509 CRL", base64 in 64-column lines, RFC 7468 §5).
[[nodiscard]] std::string der_to_pem(std::string_view der);

// The digest a CA signs with: SHA-384 for P-384 keys (RFC 5480 §4), else SHA-256.
[[nodiscard]] const EVP_MD* digest_for(EVP_PKEY* key);

}  // namespace pki::crl
