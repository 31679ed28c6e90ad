// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one duration syntax of the project (configuration files and command-line flags):
// one or more <digits><unit> groups, units `d`, `h`, `m`, `s`, `ms`, largest first and
// each at most once, no sign, no blanks, no fractions: "30s", "500ms", "1h30m", "7d".
// Values are milliseconds; every step is checked for overflow.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pki {

// Longer texts are refused without being read (a duration is a short token).
inline constexpr std::size_t kMaxDurationText = 64;

// Milliseconds, or nullopt for anything outside the syntax above (or past int64).
[[nodiscard]] std::optional<std::int64_t> parse_duration_ms(std::string_view text);

// The shortest text of the syntax above for `ms` (>= 0): 5400000 -> "1h30m", 0 -> "0s".
[[nodiscard]] std::string format_duration_ms(std::int64_t ms);

// What a refused duration is told: the syntax, with examples.
inline constexpr std::string_view kDurationSyntax =
    "a duration such as \"30s\", \"500ms\" or \"1h30m\" (units d, h, m, s, ms)";

}  // namespace pki
