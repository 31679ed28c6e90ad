// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: iot-pki.toml parsing (toml++ plus our strict key checks).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/settings.hpp"
#include "core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)pki::config::parse_settings({reinterpret_cast<const char*>(data), size}, "fuzz.toml");
  } catch (const pki::Error&) {
  }
  return 0;
}
