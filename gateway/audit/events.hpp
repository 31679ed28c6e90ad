// SPDX-License-Identifier: Apache-2.0
#pragma once
// The audit event vocabulary (SPEC §5, §10): one constexpr table, the only list of
// event names in the product. The audit log writes `name` and `outcome` from it, the
// metrics label `iot_gateway_auth_events_total{event=…}` is `name`, and whether a
// record counts toward the client's ban (Services::report) is `ban`. The fail2ban
// filter in examples/deploy and the Python test helper (tests/deploy/audit_log.py,
// which reads this file) are checked against it by tests/gateway/audit/events_test.cpp.
//
// Adding an event: one enumerator and one row, in the same position. The
// static_assert below refuses a missing row or one out of place, a duplicate or empty
// name, and a row that counts toward a ban without being a client's failure.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gw::audit {

enum class Event : std::uint8_t {
  token_issued,
  auth_no_cert,
  tls_handshake_failed,
  cert_revoked,
  cert_ou_mismatch,
  jwt_ok,
  jwt_missing,
  jwt_malformed,
  jwt_bad_alg,
  jwt_unknown_kid,
  jwt_bad_signature,
  jwt_expired,
  jwt_not_yet_valid,
  jwt_bad_claims,
  jwt_cert_mismatch,
  jwt_revoked,
  rate_limited,
  ip_banned,
  admin_revoke,
  admin_denied,
  crl_loaded,
  crl_rejected,
  crl_stale,
  audit_tail_repaired,
  ban_lifted,
  proxy_refused,
  proxy_header_invalid,
  audit_checkpoint,
  audit_forward_lost,
  trust_rejected,
  cert_not_logged,
  log_inconsistent,
  count_  // not an event: the number of rows kEvents must have
};

enum class Outcome : std::uint8_t { success, failure };
// Whether the record counts toward the client's failure window (and so its ban), in
// the gateway and in fail2ban alike.
enum class Ban : std::uint8_t { no, counts };
// Whether the record can name a client (`remote_ip`); for `none` the log writes "".
enum class Client : std::uint8_t { none, named };

struct EventInfo {
  Event event;
  std::string_view name;  // the contract: SPEC §5, fail2ban, dashboards
  Outcome outcome;
  Ban ban;
  Client client;
};

// One row per event, in enumerator order. The gateway's own limits (RATE_LIMITED,
// IP_BANNED) and its own trust material (CRL_*) never count toward a ban: a client is
// banned for failing to authenticate, not for our stale CRL or for being banned.
inline constexpr std::array<EventInfo, static_cast<std::size_t>(Event::count_)> kEvents{{
    {Event::token_issued, "TOKEN_ISSUED", Outcome::success, Ban::no, Client::named},
    {Event::auth_no_cert, "AUTH_NO_CERT", Outcome::failure, Ban::counts, Client::named},
    {Event::tls_handshake_failed, "TLS_HANDSHAKE_FAILED", Outcome::failure, Ban::counts,
     Client::named},
    {Event::cert_revoked, "CERT_REVOKED", Outcome::failure, Ban::counts, Client::named},
    {Event::cert_ou_mismatch, "CERT_OU_MISMATCH", Outcome::failure, Ban::counts, Client::named},
    {Event::jwt_ok, "JWT_OK", Outcome::success, Ban::no, Client::named},
    {Event::jwt_missing, "JWT_MISSING", Outcome::failure, Ban::counts, Client::named},
    {Event::jwt_malformed, "JWT_MALFORMED", Outcome::failure, Ban::counts, Client::named},
    {Event::jwt_bad_alg, "JWT_BAD_ALG", Outcome::failure, Ban::counts, Client::named},
    {Event::jwt_unknown_kid, "JWT_UNKNOWN_KID", Outcome::failure, Ban::counts, Client::named},
    {Event::jwt_bad_signature, "JWT_BAD_SIGNATURE", Outcome::failure, Ban::counts, Client::named},
    {Event::jwt_expired, "JWT_EXPIRED", Outcome::failure, Ban::counts, Client::named},
    {Event::jwt_not_yet_valid, "JWT_NOT_YET_VALID", Outcome::failure, Ban::counts, Client::named},
    {Event::jwt_bad_claims, "JWT_BAD_CLAIMS", Outcome::failure, Ban::counts, Client::named},
    {Event::jwt_cert_mismatch, "JWT_CERT_MISMATCH", Outcome::failure, Ban::counts, Client::named},
    {Event::jwt_revoked, "JWT_REVOKED", Outcome::failure, Ban::counts, Client::named},
    {Event::rate_limited, "RATE_LIMITED", Outcome::failure, Ban::no, Client::named},
    {Event::ip_banned, "IP_BANNED", Outcome::failure, Ban::no, Client::named},
    {Event::admin_revoke, "ADMIN_REVOKE", Outcome::success, Ban::no, Client::named},
    {Event::admin_denied, "ADMIN_DENIED", Outcome::failure, Ban::counts, Client::named},
    {Event::crl_loaded, "CRL_LOADED", Outcome::success, Ban::no, Client::none},
    {Event::crl_rejected, "CRL_REJECTED", Outcome::failure, Ban::no, Client::none},
    // Written by the reloader (no client) and by a route that fails closed on it.
    {Event::crl_stale, "CRL_STALE", Outcome::failure, Ban::no, Client::named},
    // The log's last line was torn at start or after a failed write (SPEC §10).
    {Event::audit_tail_repaired, "AUDIT_TAIL_REPAIRED", Outcome::failure, Ban::no, Client::none},
    // An admin lifted a ban (POST /admin/unban); remote_ip is the admin's.
    {Event::ban_lifted, "BAN_LIFTED", Outcome::success, Ban::no, Client::named},
    // PROXY protocol on: a peer outside server.proxy_protocol_from connected; it counts
    // toward that peer's ban (it is not a balancer).
    {Event::proxy_refused, "PROXY_REFUSED", Outcome::failure, Ban::counts, Client::named},
    // A configured balancer sent a bad or incomplete header: its fault, never a ban
    // (that would ban every client behind it).
    {Event::proxy_header_invalid, "PROXY_HEADER_INVALID", Outcome::failure, Ban::no, Client::named},
    // A signed checkpoint of the chain (SPEC §10; gateway/audit/checkpoint.hpp).
    {Event::audit_checkpoint, "AUDIT_CHECKPOINT", Outcome::success, Ban::no, Client::none},
    // Records that never reached the syslog collector (its queue overflowed while it was
    // unreachable): the count and seq range in `reason`.
    {Event::audit_forward_lost, "AUDIT_FORWARD_LOST", Outcome::failure, Ban::no, Client::none},
    // A new trust set refused (SPEC §10): an unpinned root, a bad manifest signature or
    // file hash, the manifest sequence or a CRL Number going backwards. The last good
    // set stays; at start the gateway does not start.
    {Event::trust_rejected, "TRUST_REJECTED", Outcome::failure, Ban::no, Client::none},
    // trust.require_logged: a client certificate that chains to the bundle but is not in
    // the exported transparency log (minted outside iot-ca, e.g. with a stolen CA key).
    {Event::cert_not_logged, "CERT_NOT_LOGGED", Outcome::failure, Ban::counts, Client::named},
    // A new log head that does not extend the last accepted one (shrunk, or its history
    // rewritten): the new trust set is refused and the last good one stays.
    {Event::log_inconsistent, "LOG_INCONSISTENT", Outcome::failure, Ban::no, Client::none},
}};

[[nodiscard]] constexpr const EventInfo& info(Event e) {
  return kEvents[static_cast<std::size_t>(e)];
}
[[nodiscard]] constexpr std::string_view name(Event e) {
  return info(e).name;
}
[[nodiscard]] constexpr bool success(Event e) {
  return info(e).outcome == Outcome::success;
}
// The one ban decision: does a record of this event count toward its client's ban?
[[nodiscard]] constexpr bool counts_toward_ban(Event e) {
  return info(e).ban == Ban::counts;
}
[[nodiscard]] constexpr bool names_client(Event e) {
  return info(e).client == Client::named;
}

namespace detail {
constexpr bool table_is_sound() {
  for (std::size_t i = 0; i < kEvents.size(); ++i) {
    const EventInfo& row = kEvents[i];
    if (static_cast<std::size_t>(row.event) != i || row.name.empty()) return false;
    for (const char c : row.name) {
      if (!((c >= 'A' && c <= 'Z') || c == '_')) return false;  // a metrics label, a regex
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (kEvents[j].name == row.name) return false;
    }
    if (row.ban == Ban::counts && (row.outcome != Outcome::failure || row.client != Client::named))
      return false;
  }
  return true;
}
}  // namespace detail
static_assert(detail::table_is_sound(),
              "audit event table: rows in enumerator order, unique A-Z_ names, and only a "
              "client's failure counts toward a ban");

}  // namespace gw::audit
