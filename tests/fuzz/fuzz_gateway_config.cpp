// SPDX-License-Identifier: Apache-2.0
// Fuzzes gateway.toml parsing and validation (toml++ plus the gateway's schema): any
// input must give a config or a list of problems, never a crash or an exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = gw::config::parse(text, "/etc/iot-gateway/gateway.toml");
  if (parsed.problems.empty() && parsed.config.backend.host.empty()) __builtin_trap();
  (void)gw::config::split_host_port(text);
  return 0;
}
