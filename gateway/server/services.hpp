// SPDX-License-Identifier: Apache-2.0
#pragma once
// The long-lived parts every connection uses; owned by the Gateway, borrowed by sessions.
#include <atomic>

#include "gateway/admin/deny_lists.hpp"
#include "gateway/audit/audit_log.hpp"
#include "gateway/config/config.hpp"
#include "gateway/jwt/token_cache.hpp"
#include "gateway/limits/ban_list.hpp"
#include "gateway/limits/rate_limiter.hpp"
#include "gateway/metrics/metrics.hpp"
#include "gateway/proxy/backend_pool.hpp"
#include "gateway/server/state.hpp"

namespace gw::server {

// Monotonic seconds, the limiters' clock.
[[nodiscard]] double steady_seconds();
// The limiters' key for a textual client address (IPv4, or the IPv6 /64).
[[nodiscard]] limits::ClientKey key_of(const std::string& ip);

struct Services {
  // Writes the record and, when its event counts toward a ban (audit::kEvents), counts
  // it against the client's failure window; the failure that starts a ban is followed
  // by one IP_BANNED record. Every route reports through here: no caller decides.
  void report(audit::Record r);

  const config::Config& cfg;
  State& state;
  audit::AuditLog& audit;
  proxy::BackendPool& backend;
  limits::TokenBuckets& buckets;
  limits::BanList& bans;
  admin::DenyLists& deny;
  metrics::Metrics& metrics;
  std::atomic<bool> draining{false};
  jwt::TokenCache tokens{};  // verified tokens (signature, exp, claims) until their exp
};

}  // namespace gw::server
