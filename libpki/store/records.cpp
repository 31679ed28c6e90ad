// SPDX-License-Identifier: Apache-2.0
#include "core/error.hpp"
#include "store/store.hpp"

namespace pki::store {

std::string CertRecord::status(std::int64_t now) const {
  if (revoked_at) return "revoked";
  if (not_after < now) return "expired";
  return "active";
}

CertStatus parse_cert_status(std::string_view text) {
  if (text.empty()) return CertStatus::any;
  if (text == "active") return CertStatus::active;
  if (text == "revoked") return CertStatus::revoked;
  if (text == "expired") return CertStatus::expired;
  throw Error(Exit::usage,
              "unknown status '" + std::string(text) + "' (use active, revoked or expired)");
}

std::string TokenRow::status(std::int64_t now) const {
  if (used_at) return "used";
  return now >= expires_at ? "expired" : "pending";
}

TokenStatus parse_token_status(std::string_view text) {
  if (text.empty()) return TokenStatus::any;
  if (text == "pending") return TokenStatus::pending;
  if (text == "used") return TokenStatus::used;
  if (text == "expired") return TokenStatus::expired;
  throw Error(Exit::usage, "unknown token status '" + std::string(text) + "'");
}

}  // namespace pki::store
