// SPDX-License-Identifier: Apache-2.0
// gateway.toml: defaults, errors that name the key, relative paths.
#include <doctest/doctest.h>

#include <algorithm>

#include "gateway/config/config.hpp"

namespace {

gw::config::Parsed parse(std::string_view text) {
  return gw::config::parse(text, "/etc/iot/gateway.toml");
}

bool mentions(const gw::config::Parsed& p, std::string_view what) {
  return std::any_of(p.problems.begin(), p.problems.end(),
                     [&](const std::string& s) { return s.find(what) != std::string::npos; });
}

}  // namespace

TEST_CASE("an empty file gives SPEC §5's defaults with paths relative to the file") {
  const auto p = parse("");
  REQUIRE(p.problems.empty());
  const auto& c = p.config;
  CHECK(c.server.listen == "0.0.0.0:8443");
  CHECK(c.server.max_connections == 10000);
  CHECK(c.server.read_timeout == 30);
  CHECK(c.server.idle_timeout == 60);
  CHECK(c.server.max_header_bytes == 8192);
  CHECK(c.trust.crl_grace == 3600);
  CHECK(c.trust.device_ou == "IoT Devices");
  CHECK(c.jwt.ttl == 3600);
  CHECK(c.jwt.bind_to_cert);
  CHECK(c.backend.host == "127.0.0.1");
  CHECK(c.backend.port == "8080");
  CHECK(c.rate_limit.failure_threshold == 10);
  CHECK(c.rate_limit.ban_duration == 900);
  CHECK(c.audit.queue_size == 65536);
  CHECK(c.server.cert == "/etc/iot/server.crt");
  CHECK(c.trust.bundle == "/etc/iot/trust/ca-bundle.pem");
  CHECK(c.audit.path == "/etc/iot/audit.log");
}

TEST_CASE("absolute paths stay as written") {
  const auto p = parse("[audit]\npath = \"/var/log/iot/audit.log\"\n");
  CHECK(p.config.audit.path == "/var/log/iot/audit.log");
}

TEST_CASE("an unknown key or section is an error naming it") {
  const auto p = parse("[server]\nlisten = \"127.0.0.1:1\"\nthreds = 2\n[extra]\nx = 1\n");
  CHECK(p.problems.size() == 2);
  CHECK(mentions(p, "server.threds: unknown key (line 3)"));
  CHECK(mentions(p, "extra: unknown section"));
}

TEST_CASE("every bad value is listed, each naming its key") {
  const auto p = parse(
      "[server]\nthreads = -1\nread_timeout = \"30 s\"\nlisten = \"nohost\"\n"
      "[jwt]\nbind_to_cert = \"yes\"\nttl = 5\n[backend]\nurl = \"https://x\"\n"
      "[rate_limit]\ntoken_rate = 0\n");
  CHECK(mentions(p, "server.threads"));
  CHECK(mentions(p, "server.read_timeout"));
  CHECK(mentions(p, "server.listen"));
  CHECK(mentions(p, "jwt.bind_to_cert"));
  CHECK(mentions(p, "jwt.ttl"));
  CHECK(mentions(p, "backend.url"));
  CHECK(mentions(p, "rate_limit.token_rate"));
  CHECK(p.problems.size() == 7);
}

TEST_CASE("a TOML syntax error names the file and line") {
  const auto p = parse("[server\n");
  REQUIRE(p.problems.size() == 1);
  CHECK(mentions(p, "/etc/iot/gateway.toml:1"));
}

TEST_CASE("durations accept s, m, h and d") {
  const auto p = parse("[trust]\nreload_interval = \"2m\"\ncrl_grace = \"1d\"\n");
  REQUIRE(p.problems.empty());
  CHECK(p.config.trust.reload_interval == 120);
  CHECK(p.config.trust.crl_grace == 86400);
}

TEST_CASE("listen addresses: IPv4, bracketed IPv6, names") {
  CHECK(gw::config::split_host_port("0.0.0.0:8443").port == "8443");
  CHECK(gw::config::split_host_port("[::]:8443").host == "::");
  CHECK(gw::config::split_host_port("localhost:1").host == "localhost");
  CHECK(gw::config::split_host_port("::1:80").host.empty());
  CHECK(gw::config::split_host_port("h:0").host.empty());
  CHECK(gw::config::split_host_port("h:65536").host.empty());
  const auto p = parse("[backend]\nurl = \"http://[::1]:9000/\"\n");
  CHECK(p.problems.empty());
  CHECK(p.config.backend.host == "::1");
  CHECK(p.config.backend.port == "9000");
}

TEST_CASE(
    "[server] hsts defaults to one year, accepts RFC 6797 directives, and \"\" turns it off") {
  CHECK(parse("").config.server.hsts == "max-age=31536000");
  for (const char* ok : {"max-age=0", "max-age=63072000; includeSubDomains; preload",
                         "MAX-AGE=10;includesubdomains", "max-age=10 ; preload"}) {
    const auto p = parse(std::string("[server]\nhsts = \"") + ok + "\"\n");
    CHECK_MESSAGE(p.problems.empty(), ok);
    CHECK(p.config.server.hsts == ok);
  }
  const auto off = parse("[server]\nhsts = \"\"\n");
  CHECK(off.problems.empty());
  CHECK(off.config.server.hsts.empty());
}

TEST_CASE("a malformed [server] hsts stops start-up naming the key") {
  for (const char* bad :
       {"max-age=", "max-age=abc", "includeSubDomains", "max-age=1; preload; preload",
        "max-age=1; includeSubDomains; includeSubDomains", "max-age=1; foo", "max-age=1;",
        "max-age=12345678901", "max-age=1\\r\\nX-Evil: 1", "max-age=\\\"1\\\"", " "}) {
    const auto p = parse(std::string("[server]\nhsts = \"") + bad + "\"\n");
    CHECK_MESSAGE(mentions(p, "server.hsts"), bad);
  }
  CHECK(mentions(parse("[server]\nhsts = 5\n"), "server.hsts: must be a string"));
}
