// SPDX-License-Identifier: Apache-2.0
#pragma once
// The device token's claims (SPEC §5): one type for issuing and validating, and the
// one place that writes them to and reads them from the JWT payload. Adding a claim
// touches this header (the member) and claims.cpp (how it is filled from the peer,
// written, and checked on the way back).
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "gateway/audit/events.hpp"
#include "gateway/config/config.hpp"
#include "gateway/tls/peer.hpp"

namespace gw::jwt {

struct Claims {
  std::string sub{};     // the device id: becomes the backend's X-Device-ID
  std::string serial{};  // the certificate serial, uppercase hex
  std::string x5t{};     // cnf.x5t#S256: base64url SHA-256 of the certificate DER (RFC 8705)
  std::string jti{};     // 128-bit random, set by issue()
  std::int64_t iat = 0;
  std::int64_t nbf = 0;
  std::int64_t exp = 0;
};

// The claims a token for this verified peer carries (jti and times are set by issue()).
[[nodiscard]] Claims claims_for(const tls::Peer& peer);

// The payload: iss and aud from the configuration, then every claim.
[[nodiscard]] nlohmann::json to_payload(const Claims& c, const config::Jwt& cfg);

struct ClaimsFailure {
  audit::Event event;
  std::string reason;
};
// Reads and checks the payload of a token whose signature verified, in order: exp
// (required) / nbf / iat with leeway, iss, aud, the presence of sub, jti, serial and
// cnf.x5t#S256; sub must be a device id (SPEC §3) and serial uppercase hex. `out` holds
// what was read so far (for the audit record) even on failure; a claim that fails its
// own check is left empty.
[[nodiscard]] std::optional<ClaimsFailure> read_payload(const nlohmann::json& payload,
                                                        const config::Jwt& cfg, std::int64_t now,
                                                        Claims& out);

}  // namespace gw::jwt
