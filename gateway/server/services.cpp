// SPDX-License-Identifier: Apache-2.0
#include "gateway/server/services.hpp"

#include <chrono>

namespace gw::server {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

limits::ClientKey key_of(const std::string& ip) {
  return limits::client_key(ip);
}

void Services::report(audit::Record r) {
  const bool counts = audit::counts_toward_ban(r.event);
  const std::string ip = counts ? r.remote_ip : std::string();
  const audit::Event event = r.event;
  audit.log(std::move(r));
  if (ip.empty() || !bans.record_failure(key_of(ip), steady_seconds(), audit::name(event))) return;
  audit::Record ban;
  ban.event = audit::Event::ip_banned;
  ban.remote_ip = ip;
  ban.reason = std::to_string(cfg.rate_limit.failure_threshold) + " failures within " +
               std::to_string(cfg.rate_limit.failure_window) + "s; banned for " +
               std::to_string(cfg.rate_limit.ban_duration) + "s";
  audit.log(std::move(ban));
}

}  // namespace gw::server
