// SPDX-License-Identifier: Apache-2.0
// The verified-token cache: what it may answer without verifying again, and what not.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "gateway/audit/audit_log.hpp"
#include "gateway/jwt/token.hpp"
#include "gateway/jwt/token_cache.hpp"

namespace {

using gw::jwt::KeySet;
using gw::jwt::TokenCache;

std::shared_ptr<const KeySet> new_keys() {
  std::vector<pki::PkeyPtr> k;
  k.push_back(pki::PkeyPtr(EVP_EC_gen("P-256")));
  return KeySet::from_keys(std::move(k));
}

struct Fixture {
  std::shared_ptr<const KeySet> keys = new_keys();
  gw::config::Jwt cfg;
  std::int64_t now = 1'800'000'000;
  Fixture() { cfg.leeway = 0; }
  [[nodiscard]] std::string token(const std::string& device = "dev-1") const {
    return gw::jwt::issue(*keys, cfg, {device, "0A1B", "x5t-value"}, now).value().token;
  }
};

bool ok(const gw::jwt::Verdict& v) {
  return v.ok();
}

}  // namespace

TEST_CASE("a token verified once is answered from the cache with the same claims") {
  const Fixture f;
  TokenCache cache;
  const std::string tok = f.token();
  const auto first = cache.validate(tok, f.keys, f.cfg, f.now);
  REQUIRE(ok(first));
  CHECK(cache.hits() == 0);
  const auto second = cache.validate(tok, f.keys, f.cfg, f.now + 1);
  REQUIRE(ok(second));
  CHECK(cache.hits() == 1);
  CHECK(second.claims.sub == "dev-1");
  CHECK(second.claims.jti == first.claims.jti);
  CHECK(second.claims.x5t == first.claims.x5t);
  CHECK(second.claims.exp == first.claims.exp);
}

TEST_CASE("a cached token stops being accepted at its exp") {
  const Fixture f;
  TokenCache cache;
  const std::string tok = f.token();
  REQUIRE(ok(cache.validate(tok, f.keys, f.cfg, f.now)));
  const std::int64_t exp = cache.validate(tok, f.keys, f.cfg, f.now).claims.exp;
  CHECK(cache.validate(tok, f.keys, f.cfg, exp).event == gw::audit::Event::jwt_expired);
}

TEST_CASE("a token that failed verification is never cached") {
  const Fixture f;
  TokenCache cache;
  std::string tok = f.token();
  tok.back() = tok.back() == 'A' ? 'B' : 'A';  // the signature no longer matches
  for (int i = 0; i < 2; ++i) CHECK_FALSE(ok(cache.validate(tok, f.keys, f.cfg, f.now)));
  CHECK(cache.size() == 0);
  CHECK(cache.hits() == 0);
}

TEST_CASE("another key set (a reload that removed the signing key) empties the cache") {
  const Fixture f;
  TokenCache cache;
  const std::string tok = f.token();
  REQUIRE(ok(cache.validate(tok, f.keys, f.cfg, f.now)));
  const auto other = new_keys();
  CHECK(cache.validate(tok, other, f.cfg, f.now).event == gw::audit::Event::jwt_unknown_kid);
}

TEST_CASE("the cache never holds more than its capacity") {
  const Fixture f;
  TokenCache cache(4);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(ok(cache.validate(f.token("dev-" + std::to_string(i)), f.keys, f.cfg, f.now)));
    CHECK(cache.size() <= 4);
  }
  CHECK(cache.size() == 4);
}
