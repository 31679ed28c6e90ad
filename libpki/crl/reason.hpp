// SPDX-License-Identifier: Apache-2.0
#pragma once
// CRL reason codes (RFC 5280 §5.3.1), by the names the CLI and the registry use.
#include <string>
#include <string_view>

namespace pki::crl {

// The CRLReason ENUMERATED values. 7 is unused by RFC 5280; removeFromCRL (8) and
// aACompromise (10) are not offered: this CA neither uses delta CRLs nor attribute
// certificates.
enum class Reason : int {
  unspecified = 0,
  key_compromise = 1,
  ca_compromise = 2,
  affiliation_changed = 3,
  superseded = 4,
  cessation_of_operation = 5,
  certificate_hold = 6,
  privilege_withdrawn = 9,
};

// "keyCompromise" → Reason (case-insensitive). Error(usage) naming the valid names.
[[nodiscard]] Reason parse_reason(std::string_view name);
// Error(data) when `name` (as stored in the registry) is not a known reason.
[[nodiscard]] Reason reason_from_registry(std::string_view name, std::string_view serial);
// The RFC 5280 name: "keyCompromise".
[[nodiscard]] std::string reason_name(Reason r);
// All names, comma-separated, for help texts and messages.
[[nodiscard]] std::string reason_names();

}  // namespace pki::crl
