// SPDX-License-Identifier: Apache-2.0
// ES256 tokens: issue, strict validation, JOSE signature form.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/encoding.hpp"
#include "gateway/jwt/jose.hpp"
#include "gateway/jwt/token.hpp"

namespace {

using gw::jwt::KeySet;
using nlohmann::json;

pki::PkeyPtr new_key() {
  return pki::PkeyPtr(EVP_EC_gen("P-256"));
}

struct Fixture {
  std::shared_ptr<const KeySet> keys;
  gw::config::Jwt cfg;
  std::int64_t now = 1'800'000'000;
  Fixture() {
    std::vector<pki::PkeyPtr> k;
    k.push_back(new_key());
    keys = KeySet::from_keys(std::move(k));
    cfg.leeway = 30;
  }
  std::string token() const {
    return gw::jwt::issue(*keys, cfg, {"dev-1", "0A1B", "x5t-value"}, now).value().token;
  }
  std::string_view event(std::string_view tok, std::int64_t at) const {
    return gw::jwt::validate(tok, *keys, cfg, at).event;
  }
};

std::string b64(std::string_view s) {
  return pki::base64url(pki::as_bytes(s));
}

std::string resign(const Fixture& f, const json& header, const json& payload) {
  const std::string input = b64(header.dump()) + "." + b64(payload.dump());
  const auto sig = gw::jwt::es256_sign(f.keys->signer().key.get(), input);
  return input + "." + pki::base64url(*sig);
}

json part(std::string_view tok, int i) {
  std::size_t start = 0;
  for (int k = 0; k < i; ++k) start = tok.find('.', start) + 1;
  const auto end = tok.find('.', start);
  const auto raw = pki::base64url_decode(tok.substr(start, end - start)).value();
  return json::parse(std::string(raw.begin(), raw.end()));
}

}  // namespace

TEST_CASE("an issued token validates and carries the contract's header and claims") {
  const Fixture f;
  const std::string tok = f.token();
  const auto v = gw::jwt::validate(tok, *f.keys, f.cfg, f.now + 10);
  REQUIRE(v.ok());
  CHECK(v.claims.sub == "dev-1");
  CHECK(v.claims.serial == "0A1B");
  CHECK(v.claims.x5t == "x5t-value");
  CHECK(part(tok, 0) == json{{"alg", "ES256"}, {"typ", "JWT"}, {"kid", f.keys->signer().kid}});
  const json p = part(tok, 1);
  CHECK(p["exp"] == f.now + 3600);
  CHECK(p["cnf"]["x5t#S256"] == "x5t-value");
  CHECK(pki::base64url_decode(p["jti"].get<std::string>())->size() == 16);
}

TEST_CASE("the signature is a 64-byte JOSE R||S value, not DER") {
  const Fixture f;
  const std::string tok = f.token();
  const auto sig = pki::base64url_decode(tok.substr(tok.rfind('.') + 1));
  REQUIRE(sig);
  CHECK(sig->size() == 64);
  const auto der = gw::jwt::jose_to_der(*sig);
  REQUIRE(der);
  CHECK(gw::jwt::der_to_jose(*der) == sig);
  CHECK_FALSE(gw::jwt::jose_to_der(std::vector<unsigned char>(63)).has_value());
}

TEST_CASE("any alg other than ES256 is refused as JWT_BAD_ALG") {
  const Fixture f;
  const json payload = part(f.token(), 1);
  for (const char* alg : {"none", "HS256", "RS256", "es256", "ES384"}) {
    const std::string tok =
        resign(f, {{"alg", alg}, {"typ", "JWT"}, {"kid", f.keys->signer().kid}}, payload);
    CHECK(f.event(tok, f.now) == "JWT_BAD_ALG");
  }
  CHECK(f.event(resign(f, {{"typ", "JWT"}, {"kid", f.keys->signer().kid}}, payload), f.now) ==
        "JWT_BAD_ALG");
}

TEST_CASE("a kid is only looked up in the key set") {
  const Fixture f;
  const json payload = part(f.token(), 1);
  for (const char* kid : {"nope", "../../etc/passwd", "/dev/null", ""}) {
    CHECK(f.event(resign(f, {{"alg", "ES256"}, {"kid", kid}}, payload), f.now) ==
          "JWT_UNKNOWN_KID");
  }
  CHECK(f.event(resign(f, {{"alg", "ES256"}}, payload), f.now) == "JWT_UNKNOWN_KID");
}

TEST_CASE("time claims: expired, not yet valid and missing exp are refused") {
  const Fixture f;
  const std::string tok = f.token();
  CHECK(f.event(tok, f.now + 3600 + 29) == "JWT_OK");  // inside the leeway
  CHECK(f.event(tok, f.now + 3600 + 30) == "JWT_EXPIRED");
  CHECK(f.event(tok, f.now - 31) == "JWT_NOT_YET_VALID");
  json p = part(tok, 1);
  const json h = part(tok, 0);
  p.erase("exp");
  CHECK(f.event(resign(f, h, p), f.now) == "JWT_BAD_CLAIMS");
  p["exp"] = "1900000000";
  CHECK(f.event(resign(f, h, p), f.now) == "JWT_BAD_CLAIMS");
}

TEST_CASE("wrong issuer, audience or a missing cnf are JWT_BAD_CLAIMS") {
  const Fixture f;
  const json h = part(f.token(), 0);
  const json good = part(f.token(), 1);
  for (const char* key : {"iss", "aud", "cnf", "sub", "jti", "serial"}) {
    json p = good;
    p.erase(key);
    CHECK_MESSAGE(f.event(resign(f, h, p), f.now) == "JWT_BAD_CLAIMS", key);
  }
  json p = good;
  p["aud"] = "other-api";
  CHECK(f.event(resign(f, h, p), f.now) == "JWT_BAD_CLAIMS");
  p["aud"] = json::array({"x", "iot-api"});
  CHECK(f.event(resign(f, h, p), f.now) == "JWT_OK");
}

TEST_CASE("a signed token whose sub is not a device id is JWT_BAD_CLAIMS and names no sub") {
  // sub becomes the backend's X-Device-ID: CR/LF, spaces, commas, unicode, 65+ bytes
  // must never get that far, even under the gateway's own key (issue 9, item 4).
  const Fixture f;
  const json h = part(f.token(), 0);
  const json good = part(f.token(), 1);
  for (const std::string& sub :
       {std::string("dev-1\r\nX-Admin: 1"), std::string("dev-1\n"), std::string("dev 1"),
        std::string("dev-1,admin"), std::string("d\xc3\xa9v"), std::string(65, 'a'),
        std::string("-dev"), std::string("dev\0x", 5), std::string("dev;1"),
        std::string("admin\"")}) {
    json p = good;
    p["sub"] = sub;
    const auto v = gw::jwt::validate(resign(f, h, p), *f.keys, f.cfg, f.now);
    CHECK_MESSAGE(std::string_view(v.event) == "JWT_BAD_CLAIMS", sub);
    CHECK(v.claims.sub.empty());
  }
  json p = good;
  p["sub"] = std::string(64, 'a');
  CHECK(f.event(resign(f, h, p), f.now) == "JWT_OK");
  for (const char* serial : {"0a1b", "0A1B\r\n", "0A 1B", "G1"}) {
    p = good;
    p["serial"] = serial;
    CHECK_MESSAGE(f.event(resign(f, h, p), f.now) == "JWT_BAD_CLAIMS", std::string(serial));
  }
}

TEST_CASE("tampering with the payload or the signature is JWT_BAD_SIGNATURE") {
  const Fixture f;
  const std::string tok = f.token();
  json p = part(tok, 1);
  p["sub"] = "dev-2";
  const std::string tampered =
      tok.substr(0, tok.find('.') + 1) + b64(p.dump()) + tok.substr(tok.rfind('.'));
  CHECK(f.event(tampered, f.now) == "JWT_BAD_SIGNATURE");
  std::string flipped = tok;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  CHECK(f.event(flipped, f.now) == "JWT_BAD_SIGNATURE");
  // A valid signature by a key that is not in the set, under the set's kid.
  std::vector<pki::PkeyPtr> other;
  other.push_back(new_key());
  const auto other_set = KeySet::from_keys(std::move(other));
  const std::string input = tok.substr(0, tok.rfind('.'));
  const auto sig = gw::jwt::es256_sign(other_set->signer().key.get(), input);
  CHECK(f.event(input + "." + pki::base64url(*sig), f.now) == "JWT_BAD_SIGNATURE");
}

TEST_CASE("malformed tokens are JWT_MALFORMED, an empty one JWT_MISSING") {
  const Fixture f;
  const std::string tok = f.token();
  CHECK(f.event("", f.now) == "JWT_MISSING");
  for (const std::string& bad :
       {std::string("abc"), std::string("a.b"), tok + ".x", tok + "=",
        std::string("e30.e30.e30.e30"), std::string("W10.e30.AAAA"), std::string(5000, 'a')}) {
    CHECK_MESSAGE(f.event(bad, f.now) == "JWT_MALFORMED", bad.substr(0, 40));
  }
  // Padding is not base64url without padding.
  const std::string padded = tok.substr(0, tok.find('.')) + "=" + tok.substr(tok.find('.'));
  CHECK(f.event(padded, f.now) == "JWT_MALFORMED");
}

TEST_CASE("a token signed by an older key of the set still validates; the newest signs") {
  std::vector<pki::PkeyPtr> k;
  k.push_back(new_key());
  const auto old_set = KeySet::from_keys(std::move(k));
  gw::config::Jwt cfg;
  const auto old_tok = gw::jwt::issue(*old_set, cfg, {"d", "01", "x"}, 1000).value();
  CHECK(old_set->jwks()["keys"].size() == 1);
  CHECK(old_set->jwks()["keys"][0]["kid"] == old_tok.kid);
  CHECK(gw::jwt::validate(old_tok.token, *old_set, cfg, 1001).ok());
}

TEST_CASE("the kid is the RFC 7638 thumbprint of the public JWK") {
  const pki::PkeyPtr key = new_key();
  const json jwk = gw::jwt::public_jwk(key.get());
  const std::string canonical =
      json{{"crv", "P-256"}, {"kty", "EC"}, {"x", jwk["x"]}, {"y", jwk["y"]}}.dump();
  CHECK(gw::jwt::jwk_thumbprint(key.get()) == pki::base64url(pki::sha256(canonical)));
  CHECK(jwk["x"].get<std::string>().size() == 43);
}

TEST_CASE("a header or payload with a duplicate member is JWT_MALFORMED") {
  const Fixture f;
  const std::string tok = f.token();
  const std::string kid = f.keys->signer().kid;
  const auto sign = [&](const std::string& h, const std::string& p) {
    const std::string input = b64(h) + "." + b64(p);
    return input + "." + pki::base64url(*gw::jwt::es256_sign(f.keys->signer().key.get(), input));
  };
  const std::string payload = part(tok, 1).dump();
  CHECK(f.event(sign(R"({"alg":"ES256","kid":")" + kid + R"("})", payload), f.now) == "JWT_OK");
  CHECK(f.event(sign(R"({"alg":"none","alg":"ES256","kid":")" + kid + R"("})", payload), f.now) ==
        "JWT_MALFORMED");
  std::string dup = payload;
  dup.insert(1, R"("sub":"admin",)");
  CHECK(f.event(sign(R"({"alg":"ES256","kid":")" + kid + R"("})", dup), f.now) == "JWT_MALFORMED");
}
