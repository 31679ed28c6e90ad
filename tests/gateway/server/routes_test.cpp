// SPDX-License-Identifier: Apache-2.0
// The auth policy of gateway/server: which route a path is (routes_table.hpp), which
// authentication guards it, and how each guard answers a trust refusal (trust_policy).
#include <doctest/doctest.h>

#include <string>

#include "gateway/audit/events.hpp"
#include "gateway/server/routes_table.hpp"
#include "gateway/server/trust_policy.hpp"

using gw::revocation::Verdict;
using gw::server::classify;
using gw::server::Guard;
using gw::server::Route;

TEST_CASE("each main-listener path is its route, and everything else is other") {
  CHECK(classify("/auth/token") == Route::auth_token);
  CHECK(classify("/api/") == Route::api);
  CHECK(classify("/api/v1/telemetry") == Route::api);
  CHECK(classify("/.well-known/jwks.json") == Route::jwks);
  CHECK(classify("/healthz") == Route::healthz);
  CHECK(classify("/readyz") == Route::readyz);
  CHECK(classify("/admin/revoke") == Route::admin_revoke);
  CHECK(classify("/admin/deny-jti") == Route::admin_deny_jti);
  // Near misses are not routes: no prefix matching beyond /api/, no case folding.
  for (const char* p : {"/api", "/apix", "/auth/token/", "/Auth/token", "/admin/",
                        "/admin/revoke/x", "/metrics", "/healthz/", "", "/"}) {
    CHECK_MESSAGE(classify(p) == Route::other, p);
  }
}

TEST_CASE("every route that needs a certificate or a token has a guard, the rest none") {
  CHECK(gw::server::guard(Route::auth_token) == Guard::device_cert);
  CHECK(gw::server::guard(Route::api) == Guard::bearer);
  CHECK(gw::server::guard(Route::admin_revoke) == Guard::admin_cert);
  CHECK(gw::server::guard(Route::admin_deny_jti) == Guard::admin_cert);
  for (const Route r : {Route::jwks, Route::healthz, Route::readyz, Route::other}) {
    CHECK(gw::server::guard(r) == Guard::none);
  }
  for (const auto& row : gw::server::kRoutes) CHECK(gw::server::label(row.route) == row.label);
}

TEST_CASE("every guarded route answers every refusal through one table") {
  using gw::server::Guard;
  for (const Guard r : {Guard::device_cert, Guard::bearer, Guard::admin_cert}) {
    for (const Verdict v : {Verdict::revoked, Verdict::denied, Verdict::stale, Verdict::no_crl}) {
      const auto& row = gw::server::refusal_for(r, v);
      CHECK(row.guard == r);
      CHECK(row.verdict == v);
      // Our own stale or missing CRL is a 503 and never a client's ban point.
      const bool ours = v == Verdict::stale || v == Verdict::no_crl;
      CHECK(gw::audit::counts_toward_ban(row.event) == !ours);
      CHECK((row.shape == gw::server::Shape::unavailable) == ours);
    }
  }
  CHECK(gw::audit::name(gw::server::refusal_for(Guard::admin_cert, Verdict::revoked).event) ==
        "ADMIN_DENIED");
  CHECK(gw::audit::name(gw::server::refusal_for(Guard::device_cert, Verdict::denied).event) ==
        "CERT_REVOKED");
  CHECK(gw::audit::name(gw::server::refusal_for(Guard::bearer, Verdict::denied).event) ==
        "JWT_REVOKED");
}
