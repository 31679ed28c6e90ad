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
#include "gateway/jwt/claims.hpp"
#include "gateway/jwt/key_set.hpp"

namespace gw::jwt {

inline constexpr std::size_t kMaxTokenBytes = 4096;

struct Issued {
  std::string token;
  std::string kid;
  Claims claims;  // as signed: jti, iat, nbf and exp filled in
  std::int64_t expires_in = 0;
};

// Signs a token for `claims` (sub, serial, x5t: claims_for(peer)) with the set's newest
// key, setting jti, iat, nbf and exp; nullopt if signing fails.
[[nodiscard]] std::optional<Issued> issue(const KeySet& keys, const config::Jwt& cfg, Claims claims,
                                          std::int64_t now);

struct Verdict {
  // jwt_ok when valid, else the failed check.
  audit::Event event = audit::Event::jwt_malformed;
  std::string reason;  // for the audit record, never the token itself
  std::string kid;     // the verifying key's id, once it was found
  Claims claims;       // filled as far as parsing got (sub, jti …), after the signature
  [[nodiscard]] bool ok() const;
};

// Checks, in order: shape (3 base64url segments, JSON objects), alg == ES256 exactly,
// typ, kid in the key set, signature, then the claims (jwt::read_payload).
[[nodiscard]] Verdict validate(std::string_view token, const KeySet& keys, const config::Jwt& cfg,
                               std::int64_t now);

}  // namespace gw::jwt
