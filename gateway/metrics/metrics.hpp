// SPDX-License-Identifier: Apache-2.0
#pragma once
// Prometheus metrics (text exposition format 0.0.4). Every label set is fixed in
// advance, so no client input can grow the number of series; the hot path is one
// relaxed atomic increment.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/audit/events.hpp"
#include "gateway/server/routes_table.hpp"

namespace gw::metrics {

// Values read at scrape time from the parts of the gateway that own them.
struct Gauges {
  std::uint64_t connections_active = 0;
  double crl_seconds_to_next_update = 0;  // smallest over all CRLs; negative when stale
  std::uint64_t audit_dropped = 0;
  std::uint64_t audit_write_failures = 0;  // AuditLog::write_failures()
  // [audit] syslog (SyslogForwarder); not rendered when forwarding is off.
  bool syslog_on = false;
  std::uint64_t syslog_sent = 0;
  std::uint64_t syslog_dropped = 0;
  std::uint64_t syslog_queued = 0;
  bool syslog_connected = false;
  std::uint64_t bans_active = 0;
  std::uint64_t ip_table_entries = 0;
  bool ready = false;
};

class Metrics {
 public:
  // The event label is the audit event's name: one series per row of
  // audit::kEvents (gateway/audit/events.hpp), indexed by the enum, so no event can
  // go uncounted or be counted under another name.
  // Upper bounds in seconds (le), chosen around a TLS handshake and a proxied call.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

  void count_event(audit::Event event);
  void count_handshake(bool ok);
  void count_rejected_at_accept(std::string_view why);  // "banned" | "conn_limit"
  // One histogram per row of server::kRoutes (gateway/server/routes_table.hpp).
  void observe_request(server::Route route, double seconds);

  [[nodiscard]] std::string render(const Gauges& g) const;

 private:
  std::array<std::atomic<std::uint64_t>, audit::kEvents.size()> events_{};
  std::array<std::atomic<std::uint64_t>, 2> handshakes_{};      // ok, failed
  std::array<std::atomic<std::uint64_t>, 2> accept_rejects_{};  // banned, conn_limit
  struct Histogram {
    std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets{};
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_us{0};
  };
  std::array<Histogram, server::kRoutes.size()> latency_{};
};

}  // namespace gw::metrics
