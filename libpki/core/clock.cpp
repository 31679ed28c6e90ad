// SPDX-License-Identifier: Apache-2.0
#include "core/clock.hpp"

#include <charconv>
#include <chrono>
#include <ctime>
#include <limits>

#include "core/error.hpp"

namespace pki {

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string rfc3339(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

std::string rfc3339_ms(std::int64_t unix_millis) {
  std::string s = rfc3339(unix_millis / 1000);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03d", static_cast<int>(unix_millis % 1000));
  s.insert(s.size() - 1, ms);
  return s;
}

std::int64_t parse_duration(std::string_view text, std::string_view what) {
  const auto bad = [&] {
    throw Error(Exit::config, std::string(what) + ": invalid duration '" + std::string(text) +
                                  "' (use a number with s, m, h or d, e.g. \"30s\")");
  };
  if (text.size() < 2) bad();
  std::int64_t n = 0;
  const auto* first = text.data();
  const auto* last = text.data() + text.size() - 1;
  const auto [ptr, ec] = std::from_chars(first, last, n);
  if (ec != std::errc() || ptr != last || n < 0) bad();
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      bad();
  }
  if (n > std::numeric_limits<std::int64_t>::max() / unit) bad();
  return n * unit;
}

}  // namespace pki
