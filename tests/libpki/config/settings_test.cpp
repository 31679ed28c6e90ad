// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "config/settings.hpp"
#include "core/error.hpp"

using pki::config::parse_settings;

TEST_CASE("the default settings file parses back to the defaults") {
  const auto s =
      parse_settings(pki::config::default_settings_toml("Acme \"Quoted\" Org"), "t.toml");
  CHECK(s.organisation == "Acme \"Quoted\" Org");
  CHECK(s.argon2.t_cost == 3);
  CHECK(s.argon2.m_cost_kib == 65536);
  CHECK(s.token_ttl_seconds == 900);
  CHECK(s.device_days == 365);
}

TEST_CASE("an unknown key is named with its line") {
  CHECK_THROWS_WITH_AS(
      (void)parse_settings("[ca]\norganisation = \"x\"\norganisaton = \"y\"\n", "t.toml"),
      "unknown key 'ca.organisaton' (line 3)", pki::Error);
  CHECK_THROWS_WITH_AS((void)parse_settings("[cas]\n", "t.toml"), "unknown key 'cas' (line 1)",
                       pki::Error);
}

TEST_CASE("wrong types, out-of-range values and syntax errors are configuration errors") {
  for (const char* bad : {"[validity]\ndevice_days = \"365\"\n", "[validity]\ndevice_days = 0\n",
                          "[argon2]\nm_cost_kib = 16\n", "[token]\nttl = \"15 minutes\"\n",
                          "[ca]\norganisation = 3\n", "[ca\n", "ca = 1\n"}) {
    try {
      (void)parse_settings(bad, "t.toml");
      FAIL("accepted: " << bad);
    } catch (const pki::Error& e) {
      CHECK(e.code() == pki::Exit::config);
    }
  }
}
