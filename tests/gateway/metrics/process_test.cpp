// SPDX-License-Identifier: Apache-2.0
// The issue-15 gauges' rendering: escaped label values, +Inf for a key without an end,
// process_* read from /proc/self.
#include <doctest/doctest.h>

#include <string>

#include "gateway/metrics/process.hpp"

TEST_CASE("expiry gauges escape label values and write +Inf for a key without an end") {
  const std::string out =
      gw::metrics::render_expiry({{"ca", {{"subject", "CN=a \"b\"\\c\nd"}, {"serial", "0A"}}, 12.5},
                                  {"jwt_key", {{"kid", "k1"}}, 1.0 / 0.0}});
  CHECK(out.find("iot_gateway_cert_expiry_seconds{kind=\"ca\",subject=\"CN=a \\\"b\\\"\\\\c\\nd\","
                 "serial=\"0A\"} 12.5\n") != std::string::npos);
  CHECK(out.find("{kind=\"jwt_key\",kid=\"k1\"} +Inf\n") != std::string::npos);
}

TEST_CASE("process metrics come from /proc/self with plausible values") {
  const std::string out = gw::metrics::render_process();
  for (const char* name :
       {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
        "process_max_fds ", "process_start_time_seconds "}) {
    CAPTURE(name);
    CHECK(out.find(std::string("\n") + name) != std::string::npos);
  }
  CHECK(gw::metrics::render_build_info("1.2.3", "0123abcd")
            .find("version=\"1.2.3\",commit=\"0123abcd\",openssl=\"3.") != std::string::npos);
}
