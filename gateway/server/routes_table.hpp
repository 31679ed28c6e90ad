// SPDX-License-Identifier: Apache-2.0
#pragma once
// The gateway's routes: one enum and one constexpr table (path, how it matches, the
// metrics/audit label, which authentication guards it). routes.cpp dispatches on the
// enum, the session labels request latency with it, the metrics keep one histogram per
// row, and trust_policy answers refusals per guard. Header-only and free of Asio, so
// gateway/metrics can use it.
//
// Adding a route: one enumerator and one row, in the same position (the static_assert
// refuses anything else), then its case in routes.cpp.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gw::server {

enum class Route : std::uint8_t {
  auth_token,
  api,
  jwks,
  healthz,
  readyz,
  admin_revoke,
  admin_deny_jti,
  admin_bans,   // GET: the bans in force
  admin_unban,  // POST: lift one ban
  metrics,      // the metrics listener's GET /metrics (not served on the main listener)
  other,        // anything else: 404
  count_        // not a route: the number of rows kRoutes must have
};

enum class Match : std::uint8_t {
  exact,   // the path equals `path`
  prefix,  // the path starts with `path`
  never,   // not a path of the main listener
};

// The authentication a route requires, and so how it answers a refusal (trust_policy).
enum class Guard : std::uint8_t {
  none,         // public
  device_cert,  // a device's client certificate (POST /auth/token)
  bearer,       // a device JWT, bound to its certificate (/api/*)
  admin_cert,   // an admin's client certificate (/admin/*)
};

struct RouteInfo {
  Route route;
  std::string_view label;  // metrics `route` label
  std::string_view path;
  Match match;
  Guard guard;
};

inline constexpr std::array<RouteInfo, static_cast<std::size_t>(Route::count_)> kRoutes{{
    {Route::auth_token, "auth_token", "/auth/token", Match::exact, Guard::device_cert},
    {Route::api, "api", "/api/", Match::prefix, Guard::bearer},
    {Route::jwks, "jwks", "/.well-known/jwks.json", Match::exact, Guard::none},
    {Route::healthz, "healthz", "/healthz", Match::exact, Guard::none},
    {Route::readyz, "readyz", "/readyz", Match::exact, Guard::none},
    {Route::admin_revoke, "admin_revoke", "/admin/revoke", Match::exact, Guard::admin_cert},
    {Route::admin_deny_jti, "admin_deny_jti", "/admin/deny-jti", Match::exact, Guard::admin_cert},
    {Route::admin_bans, "admin_bans", "/admin/bans", Match::exact, Guard::admin_cert},
    {Route::admin_unban, "admin_unban", "/admin/unban", Match::exact, Guard::admin_cert},
    {Route::metrics, "metrics", "/metrics", Match::never, Guard::none},
    {Route::other, "other", "", Match::never, Guard::none},
}};

[[nodiscard]] constexpr const RouteInfo& info(Route r) {
  return kRoutes[static_cast<std::size_t>(r)];
}
[[nodiscard]] constexpr std::string_view label(Route r) {
  return info(r).label;
}
[[nodiscard]] constexpr Guard guard(Route r) {
  return info(r).guard;
}

// The route of a request path on the main listener (query already cut off).
[[nodiscard]] constexpr Route classify(std::string_view path) {
  for (const RouteInfo& row : kRoutes) {
    if (row.match == Match::exact && path == row.path) return row.route;
    if (row.match == Match::prefix && path.starts_with(row.path)) return row.route;
  }
  return Route::other;
}

namespace detail {
constexpr bool routes_are_sound() {
  for (std::size_t i = 0; i < kRoutes.size(); ++i) {
    if (static_cast<std::size_t>(kRoutes[i].route) != i || kRoutes[i].label.empty()) return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (kRoutes[j].label == kRoutes[i].label) return false;
    }
  }
  return true;
}
}  // namespace detail
static_assert(detail::routes_are_sound(),
              "route table: rows in enumerator order with unique, non-empty labels");
static_assert(classify("/api/x") == Route::api && classify("/admin/x") == Route::other &&
              classify("/metrics") == Route::other);

}  // namespace gw::server
