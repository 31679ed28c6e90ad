// SPDX-License-Identifier: Apache-2.0
// gateway.toml: defaults, errors that name the key, relative paths.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "gateway/config/config.hpp"

namespace {

gw::config::Parsed parse(std::string_view text) {
  return gw::config::parse(text, "/etc/iot/gateway.toml");
}

bool mentions(const gw::config::Parsed& p, std::string_view what) {
  return std::any_of(p.problems.begin(), p.problems.end(), [&](const gw::config::Problem& x) {
    return pki::config::format_problem("/etc/iot/gateway.toml", x).find(what) != std::string::npos;
  });
}

}  // namespace

TEST_CASE("an empty file gives SPEC §5's defaults with paths relative to the file") {
  const auto p = parse("");
  REQUIRE(p.problems.empty());
  const auto& c = p.config;
  CHECK(c.server.listen == "0.0.0.0:8443");
  CHECK(c.server.max_connections == 10000);
  CHECK(c.server.read_timeout == std::chrono::seconds(30));
  CHECK(c.server.idle_timeout == std::chrono::seconds(60));
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

TEST_CASE("an unknown key or table is named with its line and the key it resembles") {
  const auto p = parse("[server]\nlisten = \"127.0.0.1:1\"\nthreds = 2\n[extra]\nx = 1\n");
  REQUIRE(p.problems.size() == 2);
  CHECK(mentions(p, "gateway.toml:3: server.threds: unknown key (did you mean 'threads'?)"));
  CHECK(mentions(p, "gateway.toml:4: extra: unknown table"));
  CHECK(mentions(parse("[rate_limt]\n"), "rate_limt: unknown table (did you mean 'rate_limit'?)"));
  CHECK(mentions(parse("[server]\nttl = \"1h\"\n"),
                 "server.ttl: unknown key (did you mean 'jwt.ttl'?)"));
}

TEST_CASE("problems come in line order, each with its key, line and message") {
  // toml++ keeps tables sorted by name; the report must follow the file instead.
  const auto p = parse(
      "[trust]\ncrl_grace = 5\n[audit]\nqueue_size = 1\n[backend]\npool_size = 0\n"
      "[server]\nthreads = -1\n");
  REQUIRE(p.problems.size() == 4);
  CHECK(p.problems[0].key == "trust.crl_grace");
  CHECK(p.problems[0].line == 2);
  CHECK(p.problems[1].key == "audit.queue_size");
  CHECK(p.problems[1].message == "must be at least 16 (got 1)");
  CHECK(p.problems[2].line == 6);
  CHECK(p.problems[3].key == "server.threads");
  CHECK(p.problems[3].line == 8);
}

TEST_CASE("durations: ms and compound, each key with a minimum and a maximum") {
  const auto p = parse(
      "[server]\nheader_timeout = \"500ms\"\nidle_timeout = \"1m30s\"\n"
      "[jwt]\nttl = \"1h30m\"\n[backend]\ntimeout = \"2s500ms\"\n");
  REQUIRE(p.problems.empty());
  CHECK(p.config.server.header_timeout == std::chrono::milliseconds(500));
  CHECK(p.config.server.idle_timeout == std::chrono::seconds(90));
  CHECK(p.config.jwt.ttl == 5400);
  CHECK(p.config.backend.timeout == std::chrono::milliseconds(2500));
  // Above the maximum: the key, the line and the bound are in the message.
  const auto big = parse("[jwt]\n\nttl = \"999999999d\"\n");
  REQUIRE(big.problems.size() == 1);
  CHECK(mentions(big, "gateway.toml:3: jwt.ttl: must be at most 1d (got \"999999999d\")"));
  CHECK(mentions(parse("[server]\nread_timeout = \"10ms\"\n"),
                 "server.read_timeout: must be at least 100ms (got \"10ms\")"));
  CHECK(mentions(parse("[rate_limit]\nban_duration = \"31d\"\n"),
                 "rate_limit.ban_duration: must be at most 30d"));
  // A key that counts whole seconds refuses a remainder rather than rounding it.
  CHECK(
      mentions(parse("[jwt]\nttl = \"90s500ms\"\n"), "jwt.ttl: must be a whole number of seconds"));
  CHECK(mentions(parse("[jwt]\nttl = \"1h 30m\"\n"), "jwt.ttl: must be a duration"));
}

TEST_CASE("PROXY protocol sources and the ban allow-list take CIDRs and refuse anything else") {
  const auto p = parse(
      "[server]\nproxy_protocol = true\nproxy_protocol_from = [\"10.0.0.0/8\", \"::1\", "
      "\"2001:db8::/32\"]\n[rate_limit]\nnever_ban = [\"192.0.2.7\", \"198.51.100.0/24\"]\n");
  REQUIRE(p.problems.empty());
  CHECK(p.config.server.proxy_protocol);
  CHECK(p.config.server.proxy_protocol_from.size() == 3);
  CHECK(p.config.rate_limit.never_ban.size() == 2);
  CHECK_FALSE(parse("").config.server.proxy_protocol);
  for (const char* bad : {"10.0.0.1/8", "10.0.0.0/33", "::/129", "10.0.0/8", "host", "10.0.0.0/",
                          "10.0.0.0/-1", "10.0.0.0/08x", ""}) {
    const auto q = parse(std::string("[rate_limit]\nnever_ban = [\"") + bad + "\"]\n");
    CHECK_MESSAGE(mentions(q, "rate_limit.never_ban"), bad);
  }
  CHECK(mentions(parse("[server]\nproxy_protocol_from = \"10.0.0.0/8\"\n"),
                 "server.proxy_protocol_from: must be an array of strings"));
}

TEST_CASE("the gateway reference lists every key with a default the loader accepts") {
  const auto ref = gw::config::reference();
  CHECK(ref.size() >= 42);
  for (const auto& k : ref) {
    CAPTURE(k.dotted());
    CHECK_FALSE(k.description.empty());
    CHECK(k.min <= k.max);
    const auto p = parse("[" + k.table + "]\n" + k.name + " = " + k.default_text + "\n");
    CHECK(p.problems.empty());
  }
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

TEST_CASE("durations in whole seconds accept m and d") {
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

TEST_CASE("proxy_protocol is off by default and needs proxy_protocol_from when on") {
  auto p = parse("");
  CHECK_FALSE(p.config.server.proxy_protocol);
  CHECK(p.config.server.proxy_protocol_from.empty());
  p = parse("[server]\nproxy_protocol = true\n");
  CHECK(mentions(p, "server.proxy_protocol_from"));
  p = parse("[server]\nproxy_protocol = true\nproxy_protocol_from = [\"10.0.0.0/8\", \"::1\"]\n");
  REQUIRE(p.problems.empty());
  CHECK(p.config.server.proxy_protocol_from.size() == 2);
  p = parse("[server]\nproxy_protocol = \"yes\"\nproxy_protocol_from = [\"10.1.0.0/8\"]\n");
  CHECK(mentions(p, "server.proxy_protocol:"));
  CHECK(mentions(p, "server.proxy_protocol_from: '10.1.0.0/8'"));
  CHECK(mentions(parse("[server]\nproxy_protocol_from = [\"10.0.0.0/8\", 7]\n"),
                 "server.proxy_protocol_from: must be an array of strings"));
}

TEST_CASE("never_ban takes address ranges, IPv6 ones at most /64") {
  auto p = parse("[rate_limit]\nnever_ban = [\"192.0.2.0/24\", \"2001:db8::/48\"]\n");
  REQUIRE(p.problems.empty());
  CHECK(p.config.rate_limit.never_ban.size() == 2);
  p = parse("[rate_limit]\nnever_ban = [\"2001:db8::1/128\"]\n");
  CHECK(mentions(p, "rate_limit.never_ban"));
  CHECK(mentions(p, "/64"));
  p = parse("[rate_limit]\nnever_ban = \"192.0.2.0/24\"\n");
  CHECK(mentions(p, "must be an array"));
}

TEST_CASE(
    "an https:// backend needs ca_file, takes port 443 by default and pairs its client "
    "certificate with a key") {
  const auto ok = parse("[backend]\nurl = \"https://backend.internal\"\nca_file = \"ca.pem\"\n");
  CHECK(ok.problems.empty());
  CHECK(ok.config.backend.tls);
  CHECK(ok.config.backend.port == "443");
  CHECK(ok.config.backend.host == "backend.internal");
  CHECK_FALSE(parse("").config.backend.tls);
  CHECK(mentions(parse("[backend]\nurl = \"https://b:8443\"\n"),
                 "backend.ca_file: must name the CAs"));
  CHECK(mentions(parse("[backend]\nurl = \"http://b:80\"\nca_file = \"ca.pem\"\n"),
                 "backend.ca_file: applies to https:// backends only"));
  CHECK(mentions(parse("[backend]\nurl = \"https://b\"\nca_file = \"c\"\nclient_cert = \"x\"\n"),
                 "backend.client_key: must be set together with backend.client_cert"));
  CHECK(mentions(parse("[backend]\nurl = \"https://b\"\nca_file = \"c\"\nclient_key = \"k\"\n"),
                 "backend.client_cert: must be set together with backend.client_key"));
  CHECK(mentions(parse("[backend]\nurl = \"ftp://b\"\n"),
                 "backend.url: must start with http:// or https://"));
}

TEST_CASE("[audit] checkpoint and syslog keys: defaults off, bounds, URL form, tls needs a CA") {
  const auto d = parse("");
  CHECK(d.problems.empty());
  CHECK(d.config.audit.checkpoint_key.empty());
  CHECK(d.config.audit.syslog.empty());
  CHECK(d.config.audit.checkpoint_every == 1000);
  CHECK(d.config.audit.checkpoint_interval == std::chrono::milliseconds(60'000));
  const auto ok = parse(
      "[audit]\ncheckpoint_key = \"ck.key\"\ncheckpoint_interval = \"1s\"\n"
      "syslog = \"tls://logs.example.net:6514\"\nsyslog_ca = \"ca.pem\"\n");
  CHECK(ok.problems.empty());
  CHECK(ok.config.audit.checkpoint_key == "/etc/iot/ck.key");
  CHECK(ok.config.audit.syslog_ca == "/etc/iot/ca.pem");
  for (const char* bad :
       {"[audit]\nsyslog = \"udp://127.0.0.1:514\"\n", "[audit]\nsyslog = \"tcp://127.0.0.1\"\n",
        "[audit]\nsyslog = \"tls://127.0.0.1:6514\"\n", "[audit]\ncheckpoint_every = 0\n",
        "[audit]\ncheckpoint_interval = \"10ms\"\n", "[audit]\ncheckpoint_interval = \"2h\"\n",
        "[audit]\nsyslog_queue = 1\n"}) {
    const auto p = parse(bad);
    REQUIRE_MESSAGE(p.problems.size() == 1, bad);
    CHECK(p.problems[0].key.rfind("audit.", 0) == 0);
  }
}
