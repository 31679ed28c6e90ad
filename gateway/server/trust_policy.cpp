// SPDX-License-Identifier: Apache-2.0
#include "gateway/server/trust_policy.hpp"

#include <array>

#include "core/clock.hpp"

namespace gw::server {
namespace {

using audit::Event;
using revocation::Verdict;
using enum Shape;

// Revoked and denied are the client's problem; stale and missing CRLs are ours (503),
// on every route. Ban points follow from each event's row in audit::kEvents.
constexpr std::array kRefusals{
    Refusal{Guard::device_cert, Verdict::revoked, Event::cert_revoked, unauthorized},
    Refusal{Guard::device_cert, Verdict::denied, Event::cert_revoked, unauthorized},
    Refusal{Guard::device_cert, Verdict::stale, Event::crl_stale, unavailable},
    Refusal{Guard::device_cert, Verdict::no_crl, Event::crl_stale, unavailable},
    Refusal{Guard::device_cert, Verdict::not_logged, Event::cert_not_logged, unauthorized},
    Refusal{Guard::bearer, Verdict::revoked, Event::jwt_revoked, invalid_token},
    Refusal{Guard::bearer, Verdict::denied, Event::jwt_revoked, invalid_token},
    Refusal{Guard::bearer, Verdict::stale, Event::crl_stale, unavailable},
    Refusal{Guard::bearer, Verdict::no_crl, Event::crl_stale, unavailable},
    Refusal{Guard::bearer, Verdict::not_logged, Event::cert_not_logged, invalid_token},
    Refusal{Guard::admin_cert, Verdict::revoked, Event::admin_denied, forbidden},
    Refusal{Guard::admin_cert, Verdict::denied, Event::admin_denied, forbidden},
    Refusal{Guard::admin_cert, Verdict::stale, Event::crl_stale, unavailable},
    Refusal{Guard::admin_cert, Verdict::no_crl, Event::crl_stale, unavailable},
    Refusal{Guard::admin_cert, Verdict::not_logged, Event::cert_not_logged, forbidden},
};

constexpr int kRetryAfter = 60;

}  // namespace

const Refusal& refusal_for(Guard guard, Verdict verdict) {
  for (const auto& row : kRefusals) {
    if (row.guard == guard && row.verdict == verdict) return row;
  }
  // good (and Guard::none) has no row; callers only ask for refusals. Fail closed all
  // the same, with the strictest answer.
  for (const auto& row : kRefusals) {
    if (row.guard == guard) return row;
  }
  return kRefusals[0];
}

http::Response refuse(Services& svc, Guard guard, const revocation::Decision& d, audit::Record r) {
  const Refusal& row = refusal_for(guard, d.verdict);
  r.event = row.event;
  r.reason = d.reason;
  svc.report(std::move(r));
  switch (row.shape) {
    case unauthorized:
      return http::unauthorized(audit::name(row.event));
    case invalid_token:
      return http::invalid_token(audit::name(row.event));
    case forbidden:
      return http::error(boost::beast::http::status::forbidden, audit::name(Event::admin_denied));
    case unavailable:
      break;
  }
  return http::unavailable(audit::name(row.event), kRetryAfter);
}

revocation::Decision decide(const Services& svc, const Snapshot& snap,
                            const revocation::Presented& presented) {
  revocation::Decision d = revocation::trust_peer(*snap.crls, svc.deny, presented, pki::now_unix(),
                                                  svc.cfg.trust.crl_grace);
  // trust.require_logged: next to the CRLs, on the same verified chain.
  if (d.trusted() && svc.cfg.trust.require_logged) {
    return revocation::check_logged(snap.log.get(), presented.chain);
  }
  return d;
}

}  // namespace gw::server
