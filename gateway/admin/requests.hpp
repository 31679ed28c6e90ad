// SPDX-License-Identifier: Apache-2.0
#pragma once
// The bodies of the admin endpoints (SPEC §5), parsed into typed requests. Pure
// functions of the body bytes, so fuzz_admin runs exactly what /admin/* runs.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw::admin {

// POST /admin/revoke {"serial": hex, "reason": text}. The serial is normalised with
// pki::x509::normalize_serial (either case, "0x", colons, leading zeros), so every
// spelling of one serial denies the same certificate.
struct RevokeRequest {
  std::string serial;  // pki::x509::serial_hex form
  std::string reason;  // printable ASCII, 1..64 characters; "unspecified" by default
};

// POST /admin/deny-jti {"jti": text, "exp": NumericDate}.
struct DenyJtiRequest {
  std::string jti;  // printable ASCII, 1..128 characters
  std::int64_t exp = 0;
};

// The request, or std::nullopt with `*error` set to the 400 message.
[[nodiscard]] std::optional<RevokeRequest> parse_revoke(std::string_view body, std::string* error);
[[nodiscard]] std::optional<DenyJtiRequest> parse_deny_jti(std::string_view body,
                                                           std::string* error);

}  // namespace gw::admin
