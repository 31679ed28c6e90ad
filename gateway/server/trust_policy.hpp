// SPDX-License-Identifier: Apache-2.0
#pragma once
// How each route answers a trust verdict (revocation::trust_peer): one table, read by
// /auth/token, /api/* and /admin/* alike, instead of event-name comparisons in each.
#include <boost/beast/http/status.hpp>

#include "gateway/audit/audit_log.hpp"
#include "gateway/http/responses.hpp"
#include "gateway/revocation/chain.hpp"
#include "gateway/server/routes_table.hpp"
#include "gateway/server/services.hpp"

namespace gw::server {

// The response shape a refusal takes on its route (by the route's Guard).
enum class Shape {
  unauthorized,   // 401 {"error":"unauthorized","code":EVENT}
  invalid_token,  // 401 + WWW-Authenticate: Bearer error="invalid_token" (RFC 6750)
  forbidden,      // 403 {"error":"ADMIN_DENIED"}
  unavailable,    // 503 + Retry-After: the gateway's fault, not the client's
};

struct Refusal {
  Guard guard;
  revocation::Verdict verdict;
  audit::Event event;  // whether it counts toward a ban is the event's (audit::kEvents)
  Shape shape;
};

// The row for (guard, verdict); verdict must not be good, guard not none.
[[nodiscard]] const Refusal& refusal_for(Guard guard, revocation::Verdict verdict);

// Reports `r` (the row's event and the decision's reason filled in here) through
// Services::report, and returns the row's response.
[[nodiscard]] http::Response refuse(Services& svc, Guard guard, const revocation::Decision& d,
                                    audit::Record r);

// The decision for this request: the presented chain and/or token serial against the
// current snapshot's CRLs and the admin deny lists, at the current time.
[[nodiscard]] revocation::Decision decide(const Services& svc, const Snapshot& snap,
                                          const revocation::Presented& presented);

}  // namespace gw::server
