// SPDX-License-Identifier: Apache-2.0
#pragma once
// The gauges beside the gateway's own counters (issue 15, SPEC §10): build information,
// the standard process_* metrics (Prometheus client conventions, read from /proc/self),
// and the expiry of the trust material: every CA certificate of the bundle, the server
// certificate and each JWT key.
#include <string>
#include <string_view>
#include <vector>

namespace gw::metrics {

struct Expiry {
  std::string kind;  // "ca" | "server" | "jwt_key"
  // Label pairs after kind, e.g. {{"subject","CN=Root"},{"serial","0A1B"}}; values are
  // escaped when rendered.
  std::vector<std::pair<std::string, std::string>> labels;
  double seconds = 0;  // until expiry; negative once expired; +Inf for "never"
};

// iot_gateway_build_info{version,commit,openssl} 1; commit as `--version` prints it.
[[nodiscard]] std::string render_build_info(std::string_view version, std::string_view commit);
// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds. A value that cannot be
// read is left out (never a made-up 0).
[[nodiscard]] std::string render_process();
// iot_gateway_cert_expiry_seconds{kind=…,…} per entry.
[[nodiscard]] std::string render_expiry(const std::vector<Expiry>& entries);
// A Prometheus label value: backslash, double quote and newline escaped.
[[nodiscard]] std::string escape_label(std::string_view v);

}  // namespace gw::metrics
