// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "config/settings.hpp"
#include "core/error.hpp"

#include <string>
#include <vector>

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

TEST_CASE("an unknown key is named with its file, its line and the key it resembles") {
  CHECK_THROWS_WITH_AS(
      (void)parse_settings("[ca]\norganisation = \"x\"\norganisaton = \"y\"\n", "t.toml"),
      "t.toml:3: ca.organisaton: unknown key (did you mean 'organisation'?)", pki::Error);
  CHECK_THROWS_WITH_AS((void)parse_settings("[cas]\n", "t.toml"),
                       "t.toml:1: cas: unknown table (did you mean 'ca'?)", pki::Error);
  // The right key in the wrong table points at where it belongs.
  CHECK_THROWS_WITH_AS((void)parse_settings("[ca]\nttl = \"5m\"\n", "t.toml"),
                       "t.toml:2: ca.ttl: unknown key (did you mean 'token.ttl'?)", pki::Error);
  // Nothing close: no guess.
  CHECK_THROWS_WITH_AS((void)parse_settings("[ca]\nzzzzzzzz = 1\n", "t.toml"),
                       "t.toml:2: ca.zzzzzzzz: unknown key", pki::Error);
}

TEST_CASE("every problem of the file is reported at once, in line order") {
  const std::string text =
      "[validity]\ndevice_dayz = 1\n[argon2]\nm_cost_kib = 16\n[ca]\norganisation = 3\n";
  std::vector<pki::config::Problem> p = pki::config::check_settings(text, "t.toml", nullptr);
  REQUIRE(p.size() == 3);
  CHECK(p[0].line == 2);
  CHECK(p[0].key == "validity.device_dayz");
  CHECK(p[1].line == 4);
  CHECK(p[1].key == "argon2.m_cost_kib");
  CHECK(p[1].message == "must be at least 8192 (got 16)");
  CHECK(p[2].line == 6);
  CHECK(p[2].message == "must be a string (got 3)");
}

TEST_CASE("token.ttl takes compound durations within 1s and 30d, naming key, bound and line") {
  CHECK(parse_settings("[token]\nttl = \"1h30m\"\n", "t.toml").token_ttl_seconds == 5400);
  CHECK(parse_settings("[token]\nttl = \"30d\"\n", "t.toml").token_ttl_seconds == 2592000);
  CHECK_THROWS_WITH_AS((void)parse_settings("\n[token]\nttl = \"999999999d\"\n", "t.toml"),
                       "t.toml:3: token.ttl: must be at most 30d (got \"999999999d\")", pki::Error);
  CHECK_THROWS_WITH_AS((void)parse_settings("[token]\nttl = \"500ms\"\n", "t.toml"),
                       "t.toml:2: token.ttl: must be at least 1s (got \"500ms\")", pki::Error);
  CHECK_THROWS_WITH_AS((void)parse_settings("[token]\nttl = \"1s500ms\"\n", "t.toml"),
                       "t.toml:2: token.ttl: must be a whole number of seconds", pki::Error);
}

TEST_CASE("the settings reference lists every key with its default") {
  const auto ref = pki::config::settings_reference();
  // 13 + ca.crl_url, ca.ca_issuers_url, [crl.root], [crl.issuing], [crl.<name>] days,
  // hsm.module
  REQUIRE(ref.size() == 19);
  bool saw_ttl = false;
  for (const auto& k : ref) {
    CHECK_FALSE(k.description.empty());
    CHECK_FALSE(k.default_text.empty());
    CHECK(k.min <= k.max);
    if (k.dotted() == "token.ttl") {
      saw_ttl = true;
      CHECK(k.default_text == "\"15m\"");
      CHECK(k.max_text() == "30d");
    }
  }
  CHECK(saw_ttl);
  // Each default, written back as TOML, is accepted by the loader (the table is sound).
  // Not the deprecated [crl] days (unset by default) nor the [crl.<name>] pattern, whose
  // default is another key.
  for (const auto& k : ref) {
    if (k.default_text == "unset" || k.table == "crl.<name>") continue;
    const std::string text = "[" + k.table + "]\n" + k.name + " = " + k.default_text + "\n";
    CHECK_NOTHROW((void)parse_settings(text, "t.toml"));
  }
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

TEST_CASE(
    "CRL lifetimes are per role, an issuing CA may override by name, and [crl] days is still "
    "read") {
  const auto d = parse_settings(pki::config::default_settings_toml("O"), "t.toml");
  CHECK(d.crl_days_for("root") == 365);
  CHECK(d.crl_days_for("iss1") == 7);
  const auto s = parse_settings(
      "[crl.root]\ndays = 400\n[crl.issuing]\ndays = 3\n[crl.fac2]\ndays = 30\n", "t.toml");
  CHECK(s.crl_days_for("root") == 400);
  CHECK(s.crl_days_for("fac1") == 3);
  CHECK(s.crl_days_for("fac2") == 30);
  // The old spelling stands for both roles where the per-role keys are silent.
  const auto legacy = parse_settings("[crl]\ndays = 14\n[crl.root]\ndays = 365\n", "t.toml");
  CHECK(legacy.crl_days_for("root") == 365);
  CHECK(legacy.crl_days_for("iss1") == 14);
}

TEST_CASE("a [crl.NAME] table that names no issuing CA of the home is warned about") {
  const auto s = parse_settings("[crl.issuing]\ndays = 3\n[crl.fac2]\ndays = 30\n", "t.toml");
  CHECK(s.crl_tables_without_ca({"fac2"}).empty());
  const auto w = s.crl_tables_without_ca({"fac1", "fab3"});
  REQUIRE(w.size() == 1);
  CHECK(w[0] ==
        "iot-pki.toml: [crl.fac2] names no issuing CA of this home (it has: fac1, fab3); its "
        "days = 30 applies only once a CA of that name is installed");
  CHECK(s.crl_tables_without_ca({}).front().find("(it has: none)") != std::string::npos);
}

TEST_CASE("a wrong [crl.*] table or key is named with its line") {
  CHECK_THROWS_WITH_AS((void)parse_settings("[crl.root]\ndayz = 5\n", "t.toml"),
                       "t.toml:2: crl.root.dayz: unknown key (did you mean 'days'?)", pki::Error);
  CHECK_THROWS_WITH_AS((void)parse_settings("[crl.issuing]\ndays = 0\n", "t.toml"),
                       "t.toml:2: crl.issuing.days: must be at least 1 (got 0)", pki::Error);
  CHECK_THROWS_WITH_AS((void)parse_settings("[crl.root]\ndays = \"1y\"\n", "t.toml"),
                       "t.toml:2: crl.root.days: must be an integer (got \"1y\")", pki::Error);
  CHECK_THROWS_AS((void)parse_settings("[crl.\"bad name\"]\ndays = 5\n", "t.toml"), pki::Error);
}
