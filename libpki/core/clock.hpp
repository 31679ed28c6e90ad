// SPDX-License-Identifier: Apache-2.0
#pragma once
// Time as seconds since the epoch (UTC) and the textual forms the contract uses.
#include <cstdint>
#include <string>
#include <string_view>

namespace pki {

[[nodiscard]] std::int64_t now_unix();
[[nodiscard]] std::string rfc3339(std::int64_t unix_seconds);    // 2026-01-02T03:04:05Z
[[nodiscard]] std::string rfc3339_ms(std::int64_t unix_millis);  // 2026-01-02T03:04:05.678Z
// Whole seconds of a duration (core/duration.hpp: "30s", "1h30m", "7d"); throws
// Error(config) naming `what` on anything else, a sub-second remainder included.
[[nodiscard]] std::int64_t parse_duration(std::string_view text, std::string_view what);

}  // namespace pki
