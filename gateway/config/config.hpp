// SPDX-License-Identifier: Apache-2.0
#pragma once
// gateway.toml (SPEC §5): every key of the contract with its default. The keys, their
// types, bounds and descriptions are one table (config.cpp, `reference()`), which the
// loader validates from and gateway.toml(5) is generated from. Loading collects every
// problem instead of stopping at the first, so `check-config` can list them all.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "config/schema.hpp"
#include "gateway/config/endpoint.hpp"

namespace gw::config {

namespace fs = std::filesystem;
using pki::config::KeyInfo;
using pki::config::KeyLines;
using pki::config::Problem;
using std::chrono::milliseconds;

struct Server {
  std::string listen = "0.0.0.0:8443";
  fs::path cert = "server.crt";
  fs::path key = "server.key";
  unsigned threads = 0;  // 0 = one per core
  std::uint64_t max_connections = 10000;
  std::uint64_t max_connections_per_ip = 64;
  // Connection timeouts in milliseconds ("500ms" is a valid value); the other durations
  // of this file count whole seconds.
  milliseconds handshake_timeout{10'000};
  milliseconds header_timeout{10'000};
  milliseconds read_timeout{30'000};
  milliseconds write_timeout{30'000};
  milliseconds idle_timeout{60'000};
  std::uint64_t max_header_bytes = 8192;
  std::uint64_t max_body_bytes = 1048576;
  milliseconds drain_timeout{30'000};
  std::string metrics_listen = "127.0.0.1:9100";
  // Strict-Transport-Security on every response (SPEC §10); "" sends none.
  std::string hsts = "max-age=31536000";
  // PROXY protocol v2 on the device listener (SPEC §10), accepted only from these
  // source ranges (CIDRs, validated here; the listener parses them).
  bool proxy_protocol = false;
  std::vector<std::string> proxy_protocol_from;
};

struct Trust {
  fs::path bundle = "trust/ca-bundle.pem";
  fs::path crl = "trust/crl.pem";
  std::int64_t reload_interval = 10;
  std::int64_t crl_grace = 3600;
  std::string device_ou = "IoT Devices";
  std::string admin_ou = "IoT Admins";
  fs::path state_dir = "state";
  // SPEC §10: the roots trusted (SHA-256 of the DER, as configured; colons and case
  // ignored); none pinned refuses every trust set, so the gateway does not start.
  std::vector<std::string> pins;
  bool require_manifest = true;
  // SPEC §10, issue 12: refuse a client certificate missing from the exported
  // transparency log (CERT_NOT_LOGGED); needs require_manifest.
  bool require_logged = false;
};

struct Jwt {
  fs::path keys_dir = "jwt";
  std::string issuer = "iot-gateway";
  std::string audience = "iot-api";
  std::int64_t ttl = 3600;
  std::int64_t leeway = 30;
  bool bind_to_cert = true;
};

struct Backend {
  std::string url = "http://127.0.0.1:8080";
  std::string host;  // parsed from url
  std::string port;  // parsed from url
  bool tls = false;  // url is https://
  // https:// only: the CAs that may sign the backend's certificate (the only trust
  // store; the system's is not used), and an optional client certificate and its key
  // (0600, like server.key) presented to the backend.
  fs::path ca_file;
  fs::path client_cert;
  fs::path client_key;
  milliseconds timeout{30'000};
  std::uint64_t pool_size = 64;
};

struct RateLimit {
  double token_rate = 5;
  std::uint64_t token_burst = 10;
  std::uint64_t failure_threshold = 10;
  std::int64_t failure_window = 60;
  std::int64_t ban_duration = 900;
  std::uint64_t table_size = 65536;
  // Client ranges (CIDRs) never rate-limited or banned.
  std::vector<std::string> never_ban;  // CIDRs, checked by the loader
};

struct Audit {
  fs::path path = "audit.log";
  std::uint64_t queue_size = 65536;
  // Signed checkpoints (SPEC §10): "" = none.
  fs::path checkpoint_key;
  std::uint64_t checkpoint_every = 1000;
  milliseconds checkpoint_interval{60'000};
  // Syslog forwarding (SPEC §10): "" = none; tcp://host:port or tls://host:port.
  std::string syslog;
  fs::path syslog_ca;  // required for tls://
  std::uint64_t syslog_queue = 65536;
};

struct Config {
  fs::path file;  // the config file itself; relative paths above are resolved against it
  Server server;
  Trust trust;
  Jwt jwt;
  Backend backend;
  RateLimit rate_limit;
  Audit audit;
};

// RFC 6797 §6.1 as the gateway accepts it: "max-age=N" (N decimal, at most 10 digits),
// then optionally "; includeSubDomains" and "; preload", each once, names in any case.
[[nodiscard]] bool valid_hsts(std::string_view value);

// "10.0.0.0/8", "2001:db8::/32" or one address ("192.0.2.1" = /32): "" or the problem.
// Host bits past the prefix are refused ("10.0.0.1/8" is almost always a typo).
[[nodiscard]] std::string check_cidr(std::string_view text);

struct Parsed {
  Config config;
  std::vector<Problem> problems;  // each with its key and line, in line order
  KeyLines lines;                 // the line of every key present in the file
};

// Every key of gateway.toml with its type, bounds, default and description.
[[nodiscard]] std::vector<KeyInfo> reference();

// Parses TOML text; `file` anchors relative paths. Never throws on bad input.
[[nodiscard]] Parsed parse(std::string_view text, const fs::path& file);

// Reads and parses the file; throws pki::Error(config) listing every problem.
[[nodiscard]] Config load(const fs::path& file);

// Problems with the files the config names: missing, unreadable, private keys readable
// by group or others, directories that cannot be created. Each names its key and, from
// `lines`, the line that set it (0 for a default). Used by check-config.
[[nodiscard]] std::vector<Problem> check_files(const Config& config, const KeyLines& lines);

}  // namespace gw::config
