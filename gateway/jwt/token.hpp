// SPDX-License-Identifier: Apache-2.0
#pragma once
// Device access tokens (SPEC §5): issue and strict validation. Validation names the
// audit event of the first check that fails; revocation and certificate binding need
// the trust state and are checked by the caller on the returned claims.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/audit/events.hpp"
#include "gateway/config/config.hpp"
#include "gateway/jwt/key_set.hpp"

namespace gw::jwt {

inline constexpr std::size_t kMaxTokenBytes = 4096;

struct Subject {
  std::string device_id;
  std::string serial;  // uppercase hex
  std::string x5t;     // base64url SHA-256 of the certificate DER (RFC 8705 §3.1)
};

struct Issued {
  std::string token;
  std::string kid;
  std::string jti;
  std::int64_t expires_in = 0;
};

// Signs a token with the set's newest key; nullopt if signing fails.
[[nodiscard]] std::optional<Issued> issue(const KeySet& keys, const config::Jwt& cfg,
                                          const Subject& subject, std::int64_t now);

struct Claims {
  std::string kid;
  std::string sub;
  std::string serial;
  std::string jti;
  std::string x5t;
  std::int64_t exp = 0;
};

struct Verdict {
  audit::Event event = audit::Event::jwt_malformed;  // jwt_ok when valid, else the failed check
  std::string reason;                                // for the audit record, never the token itself
  Claims claims;  // filled as far as parsing got (kid, sub, jti …)
  [[nodiscard]] bool ok() const;
};

// Checks, in order: shape (3 base64url segments, JSON objects), alg == ES256 exactly,
// typ, kid in the key set, signature, exp (required) / nbf with leeway, iss, aud and the
// presence of sub, jti, serial and cnf.x5t#S256; sub must be a device id (SPEC §3) and
// serial uppercase hex, since sub becomes the backend's X-Device-ID.
[[nodiscard]] Verdict validate(std::string_view token, const KeySet& keys, const config::Jwt& cfg,
                               std::int64_t now);

}  // namespace gw::jwt
