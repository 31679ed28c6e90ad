// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading CRL files back, as a relying party would: a DER CRL or concatenated PEM
// CRLs, each checked against the CA certificates of a bundle.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/handles.hpp"

namespace pki::crl {

// Every CRL in `data`: one DER CRL, or one or more PEM "X509 CRL" blocks (text around
// the blocks is ignored, a broken block is not). Error(data) naming `what` otherwise.
[[nodiscard]] std::vector<X509CrlPtr> crls_from_bytes(std::string_view data, std::string_view what);

struct CrlFacts {
  X509* issuer = nullptr;  // borrowed from the `cas` passed in
  BnPtr number;            // CRL Number: up to 20 octets, compare with BN_cmp
  std::int64_t this_update = 0;
  std::int64_t next_update = 0;
  std::size_t entries = 0;
};

// Checks one CRL against `cas` as RFC 5280 §6.3 asks of a relying party: a v2 CRL
// whose issuer is one of them (by name, and by key identifier when the CRL has an AKI),
// signed by that CA's key, with a CRL Number (0..2^160-1) and a nextUpdate after
// thisUpdate, no critical extension other than the ones understood (none changes the
// CRL's scope: delta, partitioned and indirect CRLs are refused) and no extension twice.
// Error(data) naming the problem.
[[nodiscard]] CrlFacts check_crl(X509_CRL* crl, const std::vector<X509Ptr>& cas,
                                 std::string_view what);

// A CRL Number in decimal, for messages.
[[nodiscard]] std::string number_text(const BIGNUM* number);

}  // namespace pki::crl
