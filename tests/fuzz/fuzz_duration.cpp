// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the one duration parser (libpki/core/duration) that every
// configuration key and --ttl go through. Any input gives a value or nothing; a value
// is never negative, its shortest form parses back to it, and the seconds form agrees.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/clock.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ms = pki::parse_duration_ms(text);
  if (!ms) {
    try {
      (void)pki::parse_duration(text, "fuzz");
      __builtin_trap();  // the seconds form accepted what the parser refused
    } catch (const pki::Error&) {
    }
    return 0;
  }
  if (*ms < 0) __builtin_trap();
  if (pki::parse_duration_ms(pki::format_duration_ms(*ms)) != ms) __builtin_trap();
  try {
    if (pki::parse_duration(text, "fuzz") * 1000 != *ms) __builtin_trap();
  } catch (const pki::Error&) {
    if (*ms % 1000 == 0) __builtin_trap();  // refused a whole number of seconds
  }
  return 0;
}
