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

// POST /admin/unban {"address": "192.0.2.7"}: an IPv4 address, an IPv6 address or its
// /64 as GET /admin/bans lists it ("2001:db8:1:2::/64"); IPv6 bans are per /64.
struct UnbanRequest {
  std::string address;  // the address as parsed ("/64" dropped); key it with client_key
};

// The request, or std::nullopt with `*error` set to the 400 message.
[[nodiscard]] std::optional<RevokeRequest> parse_revoke(std::string_view body, std::string* error);
[[nodiscard]] std::optional<DenyJtiRequest> parse_deny_jti(std::string_view body,
                                                           std::string* error);
[[nodiscard]] std::optional<UnbanRequest> parse_unban(std::string_view body, std::string* error);

}  // namespace gw::admin
