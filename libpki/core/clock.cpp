// SPDX-License-Identifier: Apache-2.0
#include "core/clock.hpp"

#include <charconv>
#include <chrono>
#include <ctime>
#include <limits>

#include "core/duration.hpp"
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
  const std::optional<std::int64_t> ms = parse_duration_ms(text);
  const std::string shown(text.substr(0, kMaxDurationText));
  if (!ms) {
    throw Error(Exit::config, std::string(what) + ": invalid duration '" + shown + "' (use " +
                                  std::string(kDurationSyntax) + ")");
  }
  if (*ms % 1000 != 0) {
    throw Error(Exit::config,
                std::string(what) + ": '" + shown + "' is not a whole number of seconds");
  }
  return *ms / 1000;
}

}  // namespace pki
