// SPDX-License-Identifier: Apache-2.0
#include "core/duration.hpp"

#include <array>
#include <limits>

namespace pki {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t ms;
};
// Largest first: the order a duration is written in, and the order "ms" must be tried
// before "m".
constexpr std::array<Unit, 5> kUnits{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

}  // namespace

std::optional<std::int64_t> parse_duration_ms(std::string_view text) {
  if (text.empty() || text.size() > kMaxDurationText) return std::nullopt;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must come in kUnits order, each at most once
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t n = 0;
    const std::size_t digits_at = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      const int d = text[pos] - '0';
      if (n > (kMax - d) / 10) return std::nullopt;
      n = n * 10 + d;
      ++pos;
    }
    if (pos == digits_at) return std::nullopt;  // a unit without a number, or a sign
    std::size_t u = next_unit;
    for (; u < kUnits.size(); ++u) {
      const std::string_view name = kUnits[u].name;
      if (text.substr(pos, name.size()) != name) continue;
      // "m" must not take the "m" of "ms".
      if (name == "m" && text.substr(pos, 2) == "ms") continue;
      break;
    }
    if (u == kUnits.size()) return std::nullopt;  // no unit, an unknown one, or out of order
    pos += kUnits[u].name.size();
    next_unit = u + 1;
    if (n > kMax / kUnits[u].ms) return std::nullopt;
    const std::int64_t part = n * kUnits[u].ms;
    if (total > kMax - part) return std::nullopt;
    total += part;
  }
  return total;
}

std::string format_duration_ms(std::int64_t ms) {
  if (ms <= 0) return "0s";
  std::string out;
  for (const Unit& u : kUnits) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms);
      out += u.name;
      ms %= u.ms;
    }
  }
  return out;
}

}  // namespace pki
