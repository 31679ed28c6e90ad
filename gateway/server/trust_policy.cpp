// SPDX-License-Identifier: Apache-2.0
#include "gateway/server/trust_policy.hpp"

#include <array>

#include "core/clock.hpp"

namespace gw::server {
namespace {

namespace ev = audit::event;
using revocation::Verdict;
using enum Shape;

// Revoked and denied are the client's problem (ban points); stale and missing CRLs are
// ours (503, no ban points), on every route.
constexpr std::array kRefusals{
    Refusal{Route::token, Verdict::revoked, ev::kCertRevoked, unauthorized, true},
    Refusal{Route::token, Verdict::denied, ev::kCertRevoked, unauthorized, true},
    Refusal{Route::token, Verdict::stale, ev::kCrlStale, unavailable, false},
    Refusal{Route::token, Verdict::no_crl, ev::kCrlStale, unavailable, false},
    Refusal{Route::api, Verdict::revoked, ev::kJwtRevoked, invalid_token, true},
    Refusal{Route::api, Verdict::denied, ev::kJwtRevoked, invalid_token, true},
    Refusal{Route::api, Verdict::stale, ev::kCrlStale, unavailable, false},
    Refusal{Route::api, Verdict::no_crl, ev::kCrlStale, unavailable, false},
    Refusal{Route::admin, Verdict::revoked, ev::kAdminDenied, forbidden, true},
    Refusal{Route::admin, Verdict::denied, ev::kAdminDenied, forbidden, true},
    Refusal{Route::admin, Verdict::stale, ev::kCrlStale, unavailable, false},
    Refusal{Route::admin, Verdict::no_crl, ev::kCrlStale, unavailable, false},
};

constexpr int kRetryAfter = 60;

}  // namespace

const Refusal& refusal_for(Route route, Verdict verdict) {
  for (const auto& row : kRefusals) {
    if (row.route == route && row.verdict == verdict) return row;
  }
  // good has no row; callers only ask for refusals. Fail closed all the same.
  return kRefusals[static_cast<std::size_t>(route) * 4];
}

http::Response refuse(Services& svc, Route route, const revocation::Decision& d, audit::Record r) {
  const Refusal& row = refusal_for(route, d.verdict);
  r.event = row.event;
  r.success = false;
  r.reason = d.reason;
  if (row.counts_toward_ban) {
    svc.fail(std::move(r));
  } else {
    svc.audit.log(std::move(r));
  }
  switch (row.shape) {
    case unauthorized:
      return http::unauthorized(row.event);
    case invalid_token:
      return http::invalid_token(row.event);
    case forbidden:
      return http::error(boost::beast::http::status::forbidden, ev::kAdminDenied);
    case unavailable:
      break;
  }
  return http::unavailable(row.event, kRetryAfter);
}

revocation::Decision decide(const Services& svc, const Snapshot& snap,
                            const revocation::Presented& presented) {
  return revocation::trust_peer(*snap.crls, svc.deny, presented, pki::now_unix(),
                                svc.cfg.trust.crl_grace);
}

}  // namespace gw::server
