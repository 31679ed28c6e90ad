// SPDX-License-Identifier: Apache-2.0
#include "gateway/jwt/token.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "core/encoding.hpp"
#include "gateway/jwt/jose.hpp"

namespace gw::jwt {
namespace {

using audit::Event;
using nlohmann::json;

std::string b64json(const json& j) {
  return pki::base64url(pki::as_bytes(j.dump()));
}

// A base64url segment that decodes to a JSON object, else a discarded value. Duplicate
// member names are refused (RFC 8725 §3.9 family of parser differentials: two parsers
// must never read different claims from one token).
json decode_object(std::string_view seg) {
  const auto raw = pki::base64url_decode(seg);
  if (!raw) return json(json::value_t::discarded);
  const std::string_view text(reinterpret_cast<const char*>(raw->data()), raw->size());
  std::vector<std::set<std::string>> seen;  // member names per open object
  bool duplicate = false;
  const json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::object_start) seen.emplace_back();
    if (ev == json::parse_event_t::object_end && !seen.empty()) seen.pop_back();
    if (ev == json::parse_event_t::key && !seen.empty() &&
        !seen.back().insert(parsed.get<std::string>()).second) {
      duplicate = true;
    }
    return true;
  };
  json j = json::parse(text, cb, false);
  if (duplicate || !j.is_object()) return json(json::value_t::discarded);
  return j;
}

std::optional<std::string> string_claim(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

Verdict fail(Event event, std::string reason, std::string kid = {}, Claims claims = {}) {
  return {event, std::move(reason), std::move(kid), std::move(claims)};
}

}  // namespace

bool Verdict::ok() const {
  return event == Event::jwt_ok;
}

std::optional<Issued> issue(const KeySet& keys, const config::Jwt& cfg, Claims claims,
                            std::int64_t now) {
  const SigningKey& key = keys.signer();
  claims.jti = pki::base64url(pki::random_bytes(16));
  claims.iat = now;
  claims.nbf = now;
  claims.exp = now + cfg.ttl;
  const json header = {{"alg", "ES256"}, {"typ", "JWT"}, {"kid", key.kid}};
  const std::string signing_input = b64json(header) + "." + b64json(to_payload(claims, cfg));
  const auto sig = es256_sign(key.key.get(), signing_input);
  if (!sig) return std::nullopt;
  return Issued{signing_input + "." + pki::base64url(*sig), key.kid, std::move(claims), cfg.ttl};
}

Verdict validate(std::string_view token, const KeySet& keys, const config::Jwt& cfg,
                 std::int64_t now) {
  if (token.empty()) return fail(Event::jwt_missing, "empty bearer token");
  if (token.size() > kMaxTokenBytes) return fail(Event::jwt_malformed, "token too long");
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(Event::jwt_malformed, "not three segments");
  }
  const json header = decode_object(token.substr(0, dot1));
  const json payload = decode_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto sig = pki::base64url_decode(token.substr(dot2 + 1));
  if (header.is_discarded() || payload.is_discarded() || !sig) {
    return fail(Event::jwt_malformed, "segment is not base64url JSON");
  }
  // RFC 8725 §3.1: the algorithm is fixed by us, never chosen by the token.
  const auto alg = string_claim(header, "alg");
  if (!alg || *alg != "ES256") return fail(Event::jwt_bad_alg, "alg is not ES256");
  const auto typ = header.find("typ");
  if (typ != header.end() && (!typ->is_string() || *typ != "JWT")) {
    return fail(Event::jwt_malformed, "typ is not JWT");
  }
  const auto crit = header.find("crit");
  if (crit != header.end()) return fail(Event::jwt_malformed, "unsupported crit header");
  const auto kid = string_claim(header, "kid");
  const SigningKey* key = kid ? keys.find(*kid) : nullptr;
  if (key == nullptr) return fail(Event::jwt_unknown_kid, kid ? "kid not in key set" : "no kid");
  if (!es256_verify(key->key.get(), token.substr(0, dot2), *sig)) {
    return fail(Event::jwt_bad_signature, "signature does not verify", key->kid);
  }
  // Only claims covered by a verified signature reach the audit log.
  Claims c;
  if (auto failure = read_payload(payload, cfg, now, c)) {
    return fail(failure->event, std::move(failure->reason), key->kid, std::move(c));
  }
  return {Event::jwt_ok, "", key->kid, std::move(c)};
}

}  // namespace gw::jwt
