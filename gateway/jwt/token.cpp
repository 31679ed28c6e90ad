// SPDX-License-Identifier: Apache-2.0
#include "gateway/jwt/token.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "core/encoding.hpp"
#include "gateway/jwt/jose.hpp"
#include "x509/names.hpp"

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

// NumericDate (RFC 7519 §2): integers only; a float or a string is malformed.
std::optional<std::int64_t> time_claim(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

Verdict fail(Event event, std::string reason, Claims claims = {}) {
  return {event, std::move(reason), std::move(claims)};
}

bool audience_matches(const json& payload, const std::string& audience) {
  const auto it = payload.find("aud");
  if (it == payload.end()) return false;
  if (it->is_string()) return *it == audience;
  if (!it->is_array()) return false;
  for (const auto& a : *it) {
    if (a.is_string() && a == audience) return true;
  }
  return false;
}

}  // namespace

bool Verdict::ok() const {
  return event == Event::jwt_ok;
}

std::optional<Issued> issue(const KeySet& keys, const config::Jwt& cfg, const Subject& subject,
                            std::int64_t now) {
  const SigningKey& key = keys.signer();
  const std::string jti = pki::base64url(pki::random_bytes(16));
  const json header = {{"alg", "ES256"}, {"typ", "JWT"}, {"kid", key.kid}};
  const json payload = {{"iss", cfg.issuer},
                        {"sub", subject.device_id},
                        {"aud", cfg.audience},
                        {"iat", now},
                        {"nbf", now},
                        {"exp", now + cfg.ttl},
                        {"jti", jti},
                        {"serial", subject.serial},
                        {"cnf", {{"x5t#S256", subject.x5t}}}};
  const std::string signing_input = b64json(header) + "." + b64json(payload);
  const auto sig = es256_sign(key.key.get(), signing_input);
  if (!sig) return std::nullopt;
  return Issued{signing_input + "." + pki::base64url(*sig), key.kid, jti, cfg.ttl};
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
  Claims c;  // only claims covered by a verified signature reach the audit log
  // RFC 8725 §3.1: the algorithm is fixed by us, never chosen by the token.
  const auto alg = string_claim(header, "alg");
  if (!alg || *alg != "ES256") return fail(Event::jwt_bad_alg, "alg is not ES256", c);
  const auto typ = header.find("typ");
  if (typ != header.end() && (!typ->is_string() || *typ != "JWT")) {
    return fail(Event::jwt_malformed, "typ is not JWT", c);
  }
  const auto crit = header.find("crit");
  if (crit != header.end()) return fail(Event::jwt_malformed, "unsupported crit header", c);
  const auto kid = string_claim(header, "kid");
  const SigningKey* key = kid ? keys.find(*kid) : nullptr;
  if (key == nullptr) return fail(Event::jwt_unknown_kid, kid ? "kid not in key set" : "no kid", c);
  c.kid = key->kid;
  if (!es256_verify(key->key.get(), token.substr(0, dot2), *sig)) {
    return fail(Event::jwt_bad_signature, "signature does not verify", c);
  }
  c.sub = string_claim(payload, "sub").value_or("");
  c.jti = string_claim(payload, "jti").value_or("");
  c.serial = string_claim(payload, "serial").value_or("");
  const auto exp = time_claim(payload, "exp");
  if (!exp) return fail(Event::jwt_bad_claims, "exp missing or not an integer", c);
  c.exp = *exp;
  if (now >= *exp + cfg.leeway) return fail(Event::jwt_expired, "token expired", c);
  const auto nbf = time_claim(payload, "nbf");
  if (payload.contains("nbf") && !nbf) return fail(Event::jwt_bad_claims, "nbf not an integer", c);
  if (nbf && *nbf > now + cfg.leeway) return fail(Event::jwt_not_yet_valid, "nbf in the future", c);
  const auto iat = time_claim(payload, "iat");
  if (payload.contains("iat") && !iat) return fail(Event::jwt_bad_claims, "iat not an integer", c);
  if (iat && *iat > now + cfg.leeway) return fail(Event::jwt_not_yet_valid, "iat in the future", c);
  if (string_claim(payload, "iss") != cfg.issuer)
    return fail(Event::jwt_bad_claims, "wrong iss", c);
  if (!audience_matches(payload, cfg.audience)) return fail(Event::jwt_bad_claims, "wrong aud", c);
  if (c.sub.empty() || c.jti.empty() || c.serial.empty()) {
    return fail(Event::jwt_bad_claims, "sub, jti or serial missing", c);
  }
  // sub becomes the backend's X-Device-ID: the device-id alphabet (SPEC §3) holds
  // whoever signed it, so no CR/LF, comma or space can reach a header.
  if (!pki::x509::is_valid_device_id(c.sub)) {
    c.sub.clear();
    return fail(Event::jwt_bad_claims, "sub is not a valid device id", c);
  }
  if (c.serial.size() > 64 || c.serial.find_first_not_of("0123456789ABCDEF") != std::string::npos) {
    c.serial.clear();
    return fail(Event::jwt_bad_claims, "serial is not uppercase hex", c);
  }
  const auto cnf = payload.find("cnf");
  if (cnf == payload.end() || !cnf->is_object() || !string_claim(*cnf, "x5t#S256")) {
    return fail(Event::jwt_bad_claims, "cnf.x5t#S256 missing", c);
  }
  c.x5t = string_claim(*cnf, "x5t#S256").value();
  return {Event::jwt_ok, "", std::move(c)};
}

}  // namespace gw::jwt
