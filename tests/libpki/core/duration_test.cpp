// SPDX-License-Identifier: Apache-2.0
// The one duration syntax (libpki/core/duration): units ms..d, compound, largest first.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"

using pki::parse_duration_ms;

TEST_CASE("durations take ms, s, m, h and d, alone or compound, as milliseconds") {
  CHECK(parse_duration_ms("500ms") == 500);
  CHECK(parse_duration_ms("30s") == 30'000);
  CHECK(parse_duration_ms("10m") == 600'000);
  CHECK(parse_duration_ms("1h30m") == 5'400'000);
  CHECK(parse_duration_ms("2d") == 172'800'000);
  CHECK(parse_duration_ms("1d2h3m4s5ms") == 93'784'005);
  CHECK(parse_duration_ms("0s") == 0);
  CHECK(parse_duration_ms("007s") == 7'000);
}

TEST_CASE("durations refuse signs, blanks, fractions, unknown or repeated units and overflow") {
  for (const char* bad : {"",
                          "s",
                          "ms",
                          "10",
                          "-1s",
                          "+1s",
                          "1.5h",
                          "10x",
                          "1 h",
                          " 1h",
                          "1h ",
                          "1H",
                          "1hh",
                          "1m1h",
                          "1s1s",
                          "1ms1s",
                          "1h30",
                          "30mss",
                          "1sm",
                          "9223372036854775808ms",
                          "9223372036854775807s",
                          "106751991168d",
                          "99999999999999999999s",
                          "1d1d"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration_ms(bad).has_value());
  }
  // The largest value is still exact.
  CHECK(parse_duration_ms("9223372036854775807ms") == INT64_MAX);
  // Too long to be a duration: refused unread.
  CHECK_FALSE(parse_duration_ms(std::string(65, '1') + "s").has_value());
}

TEST_CASE("format_duration_ms writes the shortest form, which parses back") {
  CHECK(pki::format_duration_ms(0) == "0s");
  CHECK(pki::format_duration_ms(500) == "500ms");
  CHECK(pki::format_duration_ms(5'400'000) == "1h30m");
  CHECK(pki::format_duration_ms(86'400'000) == "1d");
  for (const std::int64_t ms : {std::int64_t{1}, std::int64_t{999}, std::int64_t{1000},
                                std::int64_t{61'001}, std::int64_t{93'784'005}, INT64_MAX}) {
    CHECK(parse_duration_ms(pki::format_duration_ms(ms)) == ms);
  }
}

TEST_CASE("parse_duration gives whole seconds and names the key when it refuses") {
  CHECK(pki::parse_duration("1h30m", "x") == 5400);
  CHECK_THROWS_WITH_AS((void)pki::parse_duration("1500ms", "--ttl"),
                       "--ttl: '1500ms' is not a whole number of seconds", pki::Error);
  CHECK_THROWS_AS((void)pki::parse_duration("soon", "--ttl"), pki::Error);
}
