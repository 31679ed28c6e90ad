// SPDX-License-Identifier: Apache-2.0
#include "gateway/jwt/claims.hpp"

#include "x509/names.hpp"

namespace gw::jwt {
namespace {

using audit::Event;
using nlohmann::json;

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

ClaimsFailure bad(std::string reason) {
  return {Event::jwt_bad_claims, std::move(reason)};
}

}  // namespace

Claims claims_for(const tls::Peer& peer) {
  Claims c;
  c.sub = peer.device_id;
  c.serial = peer.serial;
  c.x5t = peer.x5t;
  return c;
}

json to_payload(const Claims& c, const config::Jwt& cfg) {
  return {{"iss", cfg.issuer}, {"sub", c.sub},       {"aud", cfg.audience},
          {"iat", c.iat},      {"nbf", c.nbf},       {"exp", c.exp},
          {"jti", c.jti},      {"serial", c.serial}, {"cnf", {{"x5t#S256", c.x5t}}}};
}

std::optional<ClaimsFailure> read_payload(const json& payload, const config::Jwt& cfg,
                                          std::int64_t now, Claims& c) {
  c.sub = string_claim(payload, "sub").value_or("");
  c.jti = string_claim(payload, "jti").value_or("");
  c.serial = string_claim(payload, "serial").value_or("");
  const auto exp = time_claim(payload, "exp");
  if (!exp) return bad("exp missing or not an integer");
  c.exp = *exp;
  if (now >= *exp + cfg.leeway) return ClaimsFailure{Event::jwt_expired, "token expired"};
  const auto nbf = time_claim(payload, "nbf");
  if (payload.contains("nbf") && !nbf) return bad("nbf not an integer");
  if (nbf && *nbf > now + cfg.leeway) {
    return ClaimsFailure{Event::jwt_not_yet_valid, "nbf in the future"};
  }
  c.nbf = nbf.value_or(0);
  const auto iat = time_claim(payload, "iat");
  if (payload.contains("iat") && !iat) return bad("iat not an integer");
  if (iat && *iat > now + cfg.leeway) {
    return ClaimsFailure{Event::jwt_not_yet_valid, "iat in the future"};
  }
  c.iat = iat.value_or(0);
  if (string_claim(payload, "iss") != cfg.issuer) return bad("wrong iss");
  if (!audience_matches(payload, cfg.audience)) return bad("wrong aud");
  if (c.sub.empty() || c.jti.empty() || c.serial.empty()) return bad("sub, jti or serial missing");
  // sub becomes the backend's X-Device-ID: the device-id alphabet (SPEC §3) holds
  // whoever signed it, so no CR/LF, comma or space can reach a header.
  if (!pki::x509::is_valid_device_id(c.sub)) {
    c.sub.clear();
    return bad("sub is not a valid device id");
  }
  if (c.serial.size() > 64 || c.serial.find_first_not_of("0123456789ABCDEF") != std::string::npos) {
    c.serial.clear();
    return bad("serial is not uppercase hex");
  }
  const auto cnf = payload.find("cnf");
  if (cnf == payload.end() || !cnf->is_object() || !string_claim(*cnf, "x5t#S256")) {
    return bad("cnf.x5t#S256 missing");
  }
  c.x5t = string_claim(*cnf, "x5t#S256").value();
  return std::nullopt;
}

}  // namespace gw::jwt
