// SPDX-License-Identifier: Apache-2.0
#pragma once
// Host and port as gateway.toml writes them (listen addresses, backends, syslog): one
// reading for every key, so "[v6]:port" and the port range mean the same everywhere.
#include <string>
#include <string_view>

namespace gw::config {

// A decimal port 1..65535, no sign, no leading '+', at most five digits.
[[nodiscard]] bool valid_port(std::string_view p);

// A host and a port split from "host:port" or "[v6]:port"; empty host on failure.
struct Endpoint {
  std::string host;
  std::string port;
};
[[nodiscard]] Endpoint split_host_port(std::string_view text);

}  // namespace gw::config
