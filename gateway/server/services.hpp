#pragma once
// The long-lived parts every connection uses; owned by the Gateway, borrowed by sessions.
#include <atomic>

#include "gateway/audit/audit_log.hpp"
#include "gateway/config/config.hpp"
#include "gateway/proxy/backend_pool.hpp"
#include "gateway/server/state.hpp"

namespace gw::server {

struct Services {
  const config::Config& cfg;
  State& state;
  audit::AuditLog& audit;
  proxy::BackendPool& backend;
  std::atomic<bool> draining{false};
};

}  // namespace gw::server
