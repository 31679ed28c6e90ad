// SPDX-License-Identifier: Apache-2.0
#pragma once
// The admin endpoints (SPEC §5, issue 5): POST /admin/revoke {"serial","reason"} and
// POST /admin/deny-jti {"jti","exp"}, for client certificates with the admin OU only;
// and the bans (issue 15): GET /admin/bans lists them, POST /admin/unban
// {"address"} lifts one (audited as BAN_LIFTED).
#include "gateway/http/responses.hpp"
#include "gateway/server/routes.hpp"
#include "gateway/server/state.hpp"

namespace gw::server {

[[nodiscard]] http::Response admin(Services& svc, const Snapshot& snap, http::Request& req,
                                   const Client& client);

}  // namespace gw::server
