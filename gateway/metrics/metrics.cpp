// SPDX-License-Identifier: Apache-2.0
#include "gateway/metrics/metrics.hpp"

#include <algorithm>
#include <charconv>

namespace gw::metrics {
namespace {

// Shortest form that reads back as the same double ("0.005", not "0.005000000000000001").
std::string num(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, const std::string& name_and_labels, double v) {
  out.append(name_and_labels).append(" ").append(num(v)).append("\n");
}

}  // namespace

void Metrics::count_event(audit::Event event) {
  events_[static_cast<std::size_t>(event)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::count_handshake(bool ok) {
  handshakes_[ok ? 0 : 1].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::count_rejected_at_accept(std::string_view why) {
  accept_rejects_[why == "banned" ? 0 : 1].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::observe_request(server::Route route, double seconds) {
  Histogram& h = latency_[static_cast<std::size_t>(route)];
  for (std::size_t b = 0; b < kBuckets.size(); ++b) {
    if (seconds <= kBuckets[b]) {
      h.buckets[b].fetch_add(1, std::memory_order_relaxed);
      break;  // buckets are stored non-cumulative and summed at render time
    }
  }
  h.count.fetch_add(1, std::memory_order_relaxed);
  h.sum_us.fetch_add(static_cast<std::uint64_t>(std::max(0.0, seconds) * 1e6),
                     std::memory_order_relaxed);
}

std::string Metrics::render(const Gauges& g) const {
  std::string out;
  out.reserve(16384);
  header(out, "iot_gateway_auth_events_total", "counter", "Audit events by name.");
  for (const audit::EventInfo& row : audit::kEvents) {
    sample(out, "iot_gateway_auth_events_total{event=\"" + std::string(row.name) + "\"}",
           static_cast<double>(
               events_[static_cast<std::size_t>(row.event)].load(std::memory_order_relaxed)));
  }
  header(out, "iot_gateway_tls_handshakes_total", "counter", "TLS handshakes by result.");
  sample(out, "iot_gateway_tls_handshakes_total{result=\"ok\"}",
         static_cast<double>(handshakes_[0].load()));
  sample(out, "iot_gateway_tls_handshakes_total{result=\"failed\"}",
         static_cast<double>(handshakes_[1].load()));
  header(out, "iot_gateway_connections_rejected_total", "counter",
         "Connections closed at accept, before any TLS work.");
  sample(out, "iot_gateway_connections_rejected_total{reason=\"banned\"}",
         static_cast<double>(accept_rejects_[0].load()));
  sample(out, "iot_gateway_connections_rejected_total{reason=\"conn_limit\"}",
         static_cast<double>(accept_rejects_[1].load()));

  header(out, "iot_gateway_request_duration_seconds", "histogram", "Request latency by route.");
  for (const server::RouteInfo& row : server::kRoutes) {
    const Histogram& h = latency_[static_cast<std::size_t>(row.route)];
    const std::string route = "route=\"" + std::string(row.label) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += h.buckets[b].load(std::memory_order_relaxed);
      sample(out,
             "iot_gateway_request_duration_seconds_bucket{" + route + ",le=\"" + num(kBuckets[b]) +
                 "\"}",
             static_cast<double>(cumulative));
    }
    const auto count = h.count.load(std::memory_order_relaxed);
    sample(out, "iot_gateway_request_duration_seconds_bucket{" + route + ",le=\"+Inf\"}",
           static_cast<double>(count));
    sample(out, "iot_gateway_request_duration_seconds_sum{" + route + "}",
           static_cast<double>(h.sum_us.load(std::memory_order_relaxed)) / 1e6);
    sample(out, "iot_gateway_request_duration_seconds_count{" + route + "}",
           static_cast<double>(count));
  }

  header(out, "iot_gateway_connections_active", "gauge", "Open client connections.");
  sample(out, "iot_gateway_connections_active", static_cast<double>(g.connections_active));
  header(out, "iot_gateway_crl_next_update_seconds", "gauge",
         "Seconds until the earliest CRL nextUpdate (negative: stale).");
  sample(out, "iot_gateway_crl_next_update_seconds", g.crl_seconds_to_next_update);
  header(out, "iot_gateway_audit_dropped_total", "counter",
         "Audit records dropped because the queue was full.");
  sample(out, "iot_gateway_audit_dropped_total", static_cast<double>(g.audit_dropped));
  header(out, "iot_gateway_audit_write_failures_total", "counter",
         "Audit records lost because writing the log failed (disk full, I/O error).");
  sample(out, "iot_gateway_audit_write_failures_total",
         static_cast<double>(g.audit_write_failures));
  if (g.syslog_on) {
    header(out, "iot_gateway_audit_syslog_sent_total", "counter",
           "Audit records written to the syslog collector's connection.");
    sample(out, "iot_gateway_audit_syslog_sent_total", static_cast<double>(g.syslog_sent));
    header(out, "iot_gateway_audit_syslog_dropped_total", "counter",
           "Audit records never forwarded to syslog (queue full while the collector was "
           "unreachable, or left at shutdown).");
    sample(out, "iot_gateway_audit_syslog_dropped_total", static_cast<double>(g.syslog_dropped));
    header(out, "iot_gateway_audit_syslog_queue", "gauge",
           "Audit records waiting to be forwarded to syslog.");
    sample(out, "iot_gateway_audit_syslog_queue", static_cast<double>(g.syslog_queued));
    header(out, "iot_gateway_audit_syslog_connected", "gauge",
           "1 while the gateway holds a connection to the syslog collector.");
    sample(out, "iot_gateway_audit_syslog_connected", g.syslog_connected ? 1.0 : 0.0);
  }
  header(out, "iot_gateway_bans_active", "gauge", "Client addresses (IPv6: /64s) banned now.");
  sample(out, "iot_gateway_bans_active", static_cast<double>(g.bans_active));
  header(out, "iot_gateway_ip_table_entries", "gauge", "Entries in the per-client limit tables.");
  sample(out, "iot_gateway_ip_table_entries", static_cast<double>(g.ip_table_entries));
  header(out, "iot_gateway_ready", "gauge",
         "1 when trust material is loaded and every CRL is fresh.");
  sample(out, "iot_gateway_ready", g.ready ? 1 : 0);
  return out;
}

}  // namespace gw::metrics
