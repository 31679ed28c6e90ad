// SPDX-License-Identifier: Apache-2.0
#include "gateway/server/admin.hpp"

#include <algorithm>
#include <cmath>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "gateway/admin/requests.hpp"
#include "gateway/http/target.hpp"
#include "gateway/log/log.hpp"
#include "gateway/server/trust_policy.hpp"

namespace gw::server {
namespace {

using audit::Event;
namespace bhttp = boost::beast::http;
using bhttp::status;

audit::Record about(const Client& c) {
  audit::Record r;
  r.remote_ip = c.ip;
  if (c.peer.has_cert) {
    r.device_id = c.peer.device_id;
    r.serial = c.peer.serial;
  }
  return r;
}

http::Response deny(Services& svc, const Client& c, std::string reason) {
  audit::Record r = about(c);
  r.event = Event::admin_denied;
  r.reason = std::move(reason);
  svc.report(std::move(r));
  return http::error(status::forbidden, audit::name(Event::admin_denied));
}

http::Response persisted_failure(const pki::Error& e) {
  // Not persisted means not applied: the admin must retry.
  log::line(std::string("deny list: ") + e.what());
  return http::error(status::internal_server_error, "could not persist the deny list");
}

http::Response revoke(Services& svc, const http::Request& req, const Client& c) {
  std::string error;
  const auto body = admin::parse_revoke(req.body(), &error);
  if (!body) return http::error(status::bad_request, error);
  try {
    svc.deny.deny_serial(body->serial,
                         admin::SerialEntry{body->reason, c.peer.device_id, pki::now_unix()});
  } catch (const pki::Error& e) {
    return persisted_failure(e);
  }
  audit::Record r = about(c);
  r.event = Event::admin_revoke;
  r.serial = body->serial;
  r.reason = "revoked by " + c.peer.device_id + " (" + c.peer.serial + "): " + body->reason;
  svc.report(std::move(r));
  return http::json_response(status::ok, {{"serial", body->serial}, {"status", "revoked"}});
}

http::Response deny_jti(Services& svc, const http::Request& req, const Client& c) {
  std::string error;
  const auto body = admin::parse_deny_jti(req.body(), &error);
  if (!body) return http::error(status::bad_request, error);
  try {
    svc.deny.deny_jti(body->jti, body->exp, pki::now_unix());
  } catch (const pki::Error& e) {
    return persisted_failure(e);
  }
  audit::Record r = about(c);
  r.event = Event::admin_revoke;
  r.jti = body->jti;
  r.reason = "jti denied by " + c.peer.device_id + " (" + c.peer.serial + ") until " +
             pki::rfc3339(body->exp) + " + leeway";
  svc.report(std::move(r));
  return http::json_response(status::ok, {{"jti", body->jti}, {"status", "denied"}});
}

http::Response list_bans(Services& svc) {
  const double now = steady_seconds();
  const auto wall = pki::now_unix();
  nlohmann::json bans = nlohmann::json::array();
  for (const auto& b : svc.bans.list(now)) {
    const auto left = static_cast<std::int64_t>(std::ceil(b.until - now));
    bans.push_back({{"address", limits::to_string(b.key)},
                    {"reason", b.reason},
                    {"until", pki::rfc3339(wall + left)},
                    {"seconds_left", left}});
  }
  return http::json_response(status::ok, {{"bans", std::move(bans)}});
}

http::Response unban(Services& svc, const http::Request& req, const Client& c) {
  std::string error;
  const auto body = admin::parse_unban(req.body(), &error);
  if (!body) return http::error(status::bad_request, error);
  const limits::ClientKey key = key_of(body->address);
  const std::string address = limits::to_string(key);
  if (!svc.bans.lift(key, steady_seconds())) {
    return http::error(status::not_found, address + " is not banned");
  }
  audit::Record r = about(c);
  r.event = audit::Event::ban_lifted;
  r.reason = "ban on " + address + " lifted by " + c.peer.device_id + " (" + c.peer.serial + ")";
  svc.audit.log(std::move(r));
  return http::json_response(status::ok, {{"address", address}, {"status", "lifted"}});
}

}  // namespace

http::Response admin(Services& svc, const Snapshot& snap, http::Request& req, const Client& c) {
  const Route route = classify(http::target_path(req.target()));
  if (guard(route) != Guard::admin_cert) return http::error(status::not_found, "not found");
  if (!c.peer.has_cert) return deny(svc, c, "no client certificate");
  const auto& ous = c.peer.ous;
  if (std::find(ous.begin(), ous.end(), svc.cfg.trust.admin_ou) == ous.end()) {
    return deny(svc, c, "subject OU is not the admin OU");
  }
  // The same decision as /auth/token and /api/*: every certificate of the admin's chain
  // against the CRLs and the deny list, and fresh CRLs (issue 9 item 5).
  const revocation::Decision trust = decide(svc, snap, {c.peer.chain, {}});
  if (!trust.trusted()) return refuse(svc, Guard::admin_cert, trust, about(c));
  if (route == Route::admin_bans) {
    if (req.method() != bhttp::verb::get) return http::error(status::method_not_allowed, "use GET");
    return list_bans(svc);
  }
  if (req.method() != bhttp::verb::post) return http::error(status::method_not_allowed, "use POST");
  if (route == Route::admin_unban) return unban(svc, req, c);
  return route == Route::admin_revoke ? revoke(svc, req, c) : deny_jti(svc, req, c);
}

}  // namespace gw::server
