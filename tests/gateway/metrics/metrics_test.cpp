// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "gateway/metrics/metrics.hpp"

TEST_CASE("metrics render in Prometheus text format with fixed label sets") {
  gw::metrics::Metrics m;
  m.count_event("TOKEN_ISSUED");
  m.count_event("TOKEN_ISSUED");
  m.count_event("NOT_AN_EVENT\"\n");
  m.count_handshake(false);
  m.observe_request("auth_token", 0.003);
  m.observe_request("weird route", 7.0);
  gw::metrics::Gauges g;
  g.connections_active = 3;
  g.crl_seconds_to_next_update = 3600.5;
  const std::string text = m.render(g);
  CHECK(text.find("iot_gateway_auth_events_total{event=\"TOKEN_ISSUED\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("iot_gateway_auth_events_total{event=\"OTHER\"} 1\n") != std::string::npos);
  CHECK(text.find("NOT_AN_EVENT") == std::string::npos);
  CHECK(text.find("iot_gateway_tls_handshakes_total{result=\"failed\"} 1\n") != std::string::npos);
  CHECK(text.find(
            "iot_gateway_request_duration_seconds_bucket{route=\"auth_token\",le=\"0.005\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("iot_gateway_request_duration_seconds_bucket{route=\"other\",le=\"5\"} 0\n") !=
        std::string::npos);
  CHECK(text.find("iot_gateway_request_duration_seconds_bucket{route=\"other\",le=\"+Inf\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("iot_gateway_connections_active 3\n") != std::string::npos);

  // promtool (Debian's prometheus package) is the independent judge of the format.
  const char* path = "metrics-render.prom";
  std::ofstream(path) << text;
  const std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) output += buf;
  const int rc = ::pclose(p);
  INFO(output);
  CHECK(rc == 0);
  std::remove(path);
}
