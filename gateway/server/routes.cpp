// SPDX-License-Identifier: Apache-2.0
#include "gateway/server/routes.hpp"

#include <algorithm>
#include <cmath>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "gateway/http/target.hpp"
#include "gateway/jwt/token.hpp"
#include "gateway/proxy/rewrite.hpp"
#include "gateway/server/admin.hpp"
#include "gateway/server/trust_policy.hpp"
#include "x509/names.hpp"

namespace gw::server {
namespace {

namespace asio = boost::asio;
using audit::Event;
namespace bhttp = boost::beast::http;
using bhttp::status;
using bhttp::verb;

audit::Record record(Event event, const Client& c) {
  audit::Record r;
  r.event = event;
  r.remote_ip = c.ip;
  if (c.peer.has_cert) {
    r.device_id = c.peer.device_id;
    r.serial = c.peer.serial;
  }
  return r;
}

http::Response refuse_token(Services& svc, const Client& c, Event event, std::string reason) {
  audit::Record r = record(event, c);
  r.reason = std::move(reason);
  svc.report(std::move(r));
  return http::unauthorized(audit::name(event));
}

http::Response issue_token(Services& svc, const Snapshot& snap, const Client& c) {
  const auto now = pki::now_unix();
  const limits::TokenDecision rate = svc.buckets.take(key_of(c.ip), steady_seconds());
  if (!rate.allowed) {
    if (rate.audit) {
      audit::Record r = record(Event::rate_limited, c);
      r.reason = "token bucket empty";
      svc.report(std::move(r));
    }
    http::Response res = http::error(status::too_many_requests, audit::name(Event::rate_limited));
    res.set(bhttp::field::retry_after,
            std::to_string(static_cast<long>(std::max(1.0, std::ceil(rate.retry_after)))));
    return res;
  }
  if (!c.peer.has_cert) return refuse_token(svc, c, Event::auth_no_cert, "no client certificate");
  const revocation::Decision trust = decide(svc, snap, {c.peer.chain, {}});
  if (!trust.trusted())
    return refuse(svc, Guard::device_cert, trust, record(Event::cert_revoked, c));
  const auto& ous = c.peer.ous;
  if (std::find(ous.begin(), ous.end(), svc.cfg.trust.device_ou) == ous.end()) {
    return refuse_token(svc, c, Event::cert_ou_mismatch, "subject OU is not the device OU");
  }
  if (!pki::x509::is_valid_device_id(c.peer.device_id)) {
    return refuse_token(svc, c, Event::cert_ou_mismatch, "subject CN is not a valid device id");
  }
  const auto issued = jwt::issue(*snap.keys, svc.cfg.jwt, jwt::claims_for(c.peer), now);
  if (!issued) return http::error(status::internal_server_error, "signing failed");
  audit::Record r = record(Event::token_issued, c);
  r.kid = issued->kid;
  r.jti = issued->claims.jti;
  svc.report(std::move(r));
  return http::json_response(status::ok, {{"access_token", issued->token},
                                          {"token_type", "Bearer"},
                                          {"expires_in", issued->expires_in}});
}

// RFC 6750 §2.1: "Bearer" (any case), one space, the token.
std::string_view bearer_token(const http::Request& req) {
  const std::string_view auth = req[bhttp::field::authorization];
  constexpr std::string_view kScheme = "bearer ";
  if (auth.size() < kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(auth[i])) != kScheme[i]) return {};
  }
  return auth.substr(kScheme.size());
}

struct ApiVerdict {
  Event event;  // the JWT outcome: jwt_ok or the failing check
  std::string reason;
  std::string kid;  // of the key that verified the token
  jwt::Claims claims;
  revocation::Decision trust;  // when not trusted, the trust table answers
  bool accepted = false;       // every check passed
  [[nodiscard]] bool ok() const { return accepted && trust.trusted(); }
};

ApiVerdict check_api(Services& svc, const Snapshot& snap, const http::Request& req,
                     const Client& c) {
  const auto now = pki::now_unix();
  const std::string_view token = bearer_token(req);
  if (token.empty()) return {Event::jwt_missing, "no bearer token", {}, {}, {}};
  jwt::Verdict v = svc.tokens.validate(token, snap.keys, svc.cfg.jwt, now);
  if (!v.ok()) return {v.event, std::move(v.reason), std::move(v.kid), std::move(v.claims), {}};
  // The chain (when a certificate is presented) and the token's serial, in one decision.
  revocation::Decision trust =
      decide(svc, snap, {c.peer.has_cert ? c.peer.chain : nullptr, v.claims.serial});
  if (!trust.trusted())
    return {Event::jwt_revoked, "", std::move(v.kid), std::move(v.claims), std::move(trust)};
  if (svc.deny.jti_denied(v.claims.jti, now)) {
    return {
        Event::jwt_revoked, "jti denied by an admin", std::move(v.kid), std::move(v.claims), {}};
  }
  if (svc.cfg.jwt.bind_to_cert && (!c.peer.has_cert || !pki::equal_ct(c.peer.x5t, v.claims.x5t))) {
    return {Event::jwt_cert_mismatch,
            c.peer.has_cert ? "client certificate is not the token's cnf" : "no client certificate",
            std::move(v.kid),
            std::move(v.claims),
            {}};
  }
  return {Event::jwt_ok, "", std::move(v.kid), std::move(v.claims), {}, true};
}

asio::awaitable<http::Response> api(Services& svc, const Snapshot& snap, http::Request& req,
                                    const Client& c) {
  ApiVerdict v = check_api(svc, snap, req, c);
  audit::Record r;
  r.event = v.event;
  r.remote_ip = c.ip;
  if (!v.claims.sub.empty()) r.device_id = v.claims.sub;
  if (!v.claims.serial.empty()) r.serial = v.claims.serial;
  if (!v.kid.empty()) r.kid = v.kid;
  if (!v.claims.jti.empty()) r.jti = v.claims.jti;
  if (!v.reason.empty()) r.reason = v.reason;
  if (!v.trust.trusted()) co_return refuse(svc, Guard::bearer, v.trust, std::move(r));
  if (!v.ok()) {
    svc.report(std::move(r));
    co_return http::invalid_token(audit::name(v.event));
  }
  svc.report(std::move(r));

  proxy::Request out =
      proxy::to_backend(req, v.claims.sub, c.ip, svc.cfg.backend.host + ":" + svc.cfg.backend.port);
  proxy::Exchange ex = co_await svc.backend.send(std::move(out));
  switch (ex.failure) {
    case proxy::Failure::none:
      proxy::clean_response(ex.response);
      co_return std::move(ex.response);
    case proxy::Failure::timeout:
      co_return http::error(status::gateway_timeout, "backend timeout");
    case proxy::Failure::unreachable:
      break;
  }
  co_return http::error(status::bad_gateway, "backend unavailable");
}

http::Response ready(Services& svc, const Snapshot& snap) {
  const auto now = pki::now_unix();
  const bool crl_ok = !revocation::stale(*snap.crls, now, svc.cfg.trust.crl_grace);
  const bool ok = crl_ok && !svc.draining.load();
  nlohmann::json body = {
      {"status", ok ? "ready" : "not ready"},
      {"trust_loaded", true},
      {"crl_fresh", crl_ok},
      {"crl_count", snap.crls->crl_count()},
      {"crl_next_update", pki::rfc3339(snap.crls->next_update())},
      {"crl_seconds_left", snap.crls->next_update() + svc.cfg.trust.crl_grace - now},
      {"jwt_keys", snap.keys->size()},
      {"audit_dropped", svc.audit.dropped()},
      {"audit_write_failures", svc.audit.write_failures()},
      {"denied_serials", svc.deny.serial_count()},
      {"draining", svc.draining.load()},
  };
  return http::json_response(ok ? status::ok : status::service_unavailable, body);
}

}  // namespace

asio::awaitable<http::Response> route(Services& svc, http::Request& req, const Client& client) {
  const std::shared_ptr<const Snapshot> snap = svc.state.get();  // fresh per request
  // Targets a backend could normalise elsewhere ("/api/%2e%2e/admin") are refused on
  // every route (gateway/http/target.hpp).
  if (const auto problem = http::target_problem(req.target())) {
    co_return http::error(status::bad_request, *problem);
  }
  const bool get = req.method() == verb::get || req.method() == verb::head;
  switch (classify(http::target_path(req.target()))) {
    case Route::api:
      co_return co_await api(svc, *snap, req, client);
    case Route::auth_token:
      if (req.method() != verb::post) co_return http::error(status::method_not_allowed, "use POST");
      co_return issue_token(svc, *snap, client);
    case Route::jwks:
      if (get) {
        http::Response res = http::json_response(status::ok, snap->keys->jwks());
        res.set(bhttp::field::cache_control, "max-age=60");
        co_return res;
      }
      break;
    case Route::admin_revoke:
    case Route::admin_deny_jti:
    case Route::admin_bans:
    case Route::admin_unban:
      co_return admin(svc, *snap, req, client);
    case Route::healthz:
      if (get) co_return http::json_response(status::ok, {{"status", "ok"}});
      break;
    case Route::readyz:
      if (get) co_return ready(svc, *snap);
      break;
    case Route::metrics:  // served by the metrics listener only
    case Route::other:
    case Route::count_:
      break;
  }
  co_return http::error(status::not_found, "not found");
}

}  // namespace gw::server
