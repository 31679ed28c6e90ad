// SPDX-License-Identifier: Apache-2.0
#include "gateway/config/config.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <toml++/toml.h>
#include <cctype>
#include <string>

#include "config/toml_bounded.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/audit/syslog.hpp"
#include "gateway/limits/cidr.hpp"
#include "gateway/revocation/trust_manifest.hpp"

namespace gw::config {
namespace {

std::string check_never_ban(std::string_view text);

std::string check_syslog(const std::string& v) {
  if (v.empty()) return "";
  gw::audit::SyslogTarget t;
  return gw::audit::parse_syslog_url(v, t);
}

using pki::config::Key;
using pki::config::Type;
using Keys = std::vector<Key<Config>>;

#define IOTPKI_FIELD(member) \
  [](auto& c) -> auto& {     \
    return c.member;         \
  }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string check_listen(const std::string& v, bool allow_empty) {
  if (allow_empty && v.empty()) return "";
  if (split_host_port(v).host.empty()) return "must be host:port or [v6]:port (got '" + v + "')";
  return "";
}

std::string check_hsts(const std::string& v) {
  if (!v.empty() && !valid_hsts(v)) {
    return "must be \"max-age=N\" optionally followed by \"; includeSubDomains\" and "
           "\"; preload\", or \"\" to send none (got '" +
           v + "')";
  }
  return "";
}

std::string backend_url_problem(Config& c);

// backend.url also sets backend.host and backend.port.
Key<Config> backend_url_key() {
  Key<Config> k = pki::config::string_key<Config>(
      {"backend", "url", Type::string, 1, 255,
       "The backend: http://host[:port] or https://host[:port], without a path "
       "or user. https:// needs backend.ca_file."},
      IOTPKI_FIELD(backend.url));
  k.apply = [](const toml::node& n, Config& c) {
    c.backend.url = n.as_string()->get();
    return backend_url_problem(c);
  };
  return k;
}

// The table: every key of gateway.toml. Bounds are what the code can honour or a
// typo's ceiling; durations are milliseconds here.
const Keys& schema() {
  constexpr double kS = 1000;
  constexpr double kMin = 60 * kS;
  constexpr double kH = 60 * kMin;
  constexpr double kD = 24 * kH;
  constexpr double kPath = 4096;
  static const Keys k = {
      // [server]
      pki::config::string_key<Config>(
          {"server", "listen", Type::string, 1, 255,
           "The device listener: host:port, or [v6]:port (\"[::]:8443\" for every IPv6 "
           "address)."},
          IOTPKI_FIELD(server.listen), [](const std::string& v) { return check_listen(v, false); }),
      pki::config::string_key<Config>({"server", "cert", Type::path, 1, kPath,
                                       "The server certificate chain (PEM, leaf first)."},
                                      IOTPKI_FIELD(server.cert)),
      pki::config::string_key<Config>(
          {"server", "key", Type::path, 1, kPath,
           "The server private key (PEM); refused when group or others can read it."},
          IOTPKI_FIELD(server.key)),
      pki::config::integer_key<Config>(
          {"server", "threads", Type::integer, 0, 1024, "I/O threads; 0 = one per CPU core."},
          IOTPKI_FIELD(server.threads)),
      pki::config::integer_key<Config>(
          {"server", "max_connections", Type::integer, 1, 10000000,
           "Open device connections at most; past it new ones are closed at accept. Size the "
           "unit's MemoryMax from it (docs/operations.md)."},
          IOTPKI_FIELD(server.max_connections)),
      pki::config::integer_key<Config>(
          {"server", "max_connections_per_ip", Type::integer, 1, 10000000,
           "Open connections per client address (an IPv6 /64 counts as one client)."},
          IOTPKI_FIELD(server.max_connections_per_ip)),
      pki::config::duration_key<Config>({"server", "handshake_timeout", Type::duration, 100,
                                         5 * kMin, "Time for a TLS handshake to complete."},
                                        IOTPKI_FIELD(server.handshake_timeout)),
      pki::config::duration_key<Config>({"server", "header_timeout", Type::duration, 100, 5 * kMin,
                                         "Time for a request's line and header to arrive."},
                                        IOTPKI_FIELD(server.header_timeout)),
      pki::config::duration_key<Config>(
          {"server", "read_timeout", Type::duration, 100, kH, "Time for a request body to arrive."},
          IOTPKI_FIELD(server.read_timeout)),
      pki::config::duration_key<Config>({"server", "write_timeout", Type::duration, 100, kH,
                                         "Time for a response to be written to the client."},
                                        IOTPKI_FIELD(server.write_timeout)),
      pki::config::duration_key<Config>(
          {"server", "idle_timeout", Type::duration, 100, kH,
           "How long a kept-alive connection may wait for its next request."},
          IOTPKI_FIELD(server.idle_timeout)),
      pki::config::integer_key<Config>({"server", "max_header_bytes", Type::integer, 512, 1 << 20,
                                        "Bytes of request line and header at most (431 past it)."},
                                       IOTPKI_FIELD(server.max_header_bytes)),
      pki::config::integer_key<Config>(
          {"server", "max_body_bytes", Type::integer, 0, 4294967296.0,
           "Bytes of request body at most (413 past it); every byte of a request counts "
           "against one budget of max_header_bytes + max_body_bytes."},
          IOTPKI_FIELD(server.max_body_bytes)),
      pki::config::duration_key<Config>(
          {"server", "drain_timeout", Type::duration, 0, kH,
           "On SIGTERM, how long in-flight requests may finish before the gateway exits."},
          IOTPKI_FIELD(server.drain_timeout)),
      pki::config::string_key<Config>(
          {"server", "metrics_listen", Type::string, 0, 255,
           "The Prometheus listener (host:port, plain HTTP: keep it on loopback or a private "
           "network); \"\" turns it off."},
          IOTPKI_FIELD(server.metrics_listen),
          [](const std::string& v) { return check_listen(v, true); }),
      pki::config::string_key<Config>(
          {"server", "hsts", Type::string, 0, 255,
           "Strict-Transport-Security sent on every response: \"max-age=N\", optionally "
           "\"; includeSubDomains\" and \"; preload\"; \"\" sends none."},
          IOTPKI_FIELD(server.hsts), check_hsts),
      pki::config::bool_key<Config>(
          {"server", "proxy_protocol", Type::boolean, 0, 0,
           "Expect a PROXY protocol v2 header on every device connection (behind an L4 load "
           "balancer), accepted only from proxy_protocol_from; limits, bans, the audit log "
           "and X-Forwarded-For then use the client address it carries."},
          IOTPKI_FIELD(server.proxy_protocol)),
      pki::config::string_list_key<Config>(
          {"server", "proxy_protocol_from", Type::string_list, 0, 1024,
           "Source ranges (CIDR such as \"10.0.0.0/8\") allowed to send a PROXY header; a "
           "connection from elsewhere is refused."},
          IOTPKI_FIELD(server.proxy_protocol_from), check_cidr),
      // [trust]
      pki::config::string_key<Config>(
          {"trust", "bundle", Type::path, 1, kPath,
           "The CA bundle written by iot-ca export; client certificates are verified "
           "against it."},
          IOTPKI_FIELD(trust.bundle)),
      pki::config::string_key<Config>(
          {"trust", "crl", Type::path, 1, kPath,
           "The CRLs written by iot-ca export (one per CA), each checked against the bundle."},
          IOTPKI_FIELD(trust.crl)),
      pki::config::duration_key<Config>(
          {"trust", "reload_interval", Type::duration, kS, kH,
           "How often the trust files, JWT keys and deny lists are checked for changes "
           "(SIGHUP forces a reload)."},
          IOTPKI_FIELD(trust.reload_interval)),
      pki::config::duration_key<Config>(
          {"trust", "crl_grace", Type::duration, 0, 30 * kD,
           "How long past a CRL's nextUpdate it is still used; after that the gateway fails "
           "closed."},
          IOTPKI_FIELD(trust.crl_grace)),
      pki::config::string_key<Config>(
          {"trust", "device_ou", Type::string, 1, 64,
           "The OU a device certificate must carry (iot-pki.toml ca.device_ou)."},
          IOTPKI_FIELD(trust.device_ou)),
      pki::config::string_key<Config>(
          {"trust", "admin_ou", Type::string, 1, 64,
           "The OU an admin certificate must carry for /admin/* (iot-pki.toml ca.admin_ou)."},
          IOTPKI_FIELD(trust.admin_ou)),
      pki::config::string_key<Config>(
          {"trust", "state_dir", Type::path, 1, kPath,
           "Where the persisted deny lists (POST /admin/revoke, /admin/deny-jti) and the "
           "highest manifest sequence and CRL Numbers seen (trust-state.json) live."},
          IOTPKI_FIELD(trust.state_dir)),
      pki::config::string_list_key<Config>(
          {"trust", "pins", Type::string_list, 0, 16,
           "The trusted roots: SHA-256 of each root certificate's DER (64 hex digits; colons "
           "and case ignored), as the pins line iot-ca export prints. Every CA of the bundle "
           "must chain to one, and the manifest's signer too. Empty: the gateway refuses "
           "every trust set and does not start."},
          IOTPKI_FIELD(trust.pins), gw::revocation::check_pin),
      pki::config::bool_key<Config>(
          {"trust", "require_manifest", Type::boolean, 0, 0,
           "Verify manifest.json (beside trust.bundle) and its signature manifest.json.p7s "
           "before new trust files are used: file hashes, a publisher certificate from a "
           "pinned root, and neither the manifest sequence nor a CRL Number going backwards."},
          IOTPKI_FIELD(trust.require_manifest)),
      pki::config::bool_key<Config>(
          {"trust", "require_logged", Type::boolean, 0, 0,
           "Refuse (CERT_NOT_LOGGED, 401) a client certificate that chains to the bundle but "
           "is not in the transparency log the export writes (log-head.json, log-leaves.bin, "
           "listed by the signed manifest); every trust set must then carry a log, and a log "
           "that does not extend the last accepted one is refused (LOG_INCONSISTENT). Needs "
           "require_manifest = true."},
          IOTPKI_FIELD(trust.require_logged)),
      // [jwt]
      pki::config::string_key<Config>(
          {"jwt", "keys_dir", Type::path, 1, kPath,
           "The ES256 signing keys (iot-gateway jwt-key new); the newest signs."},
          IOTPKI_FIELD(jwt.keys_dir)),
      pki::config::string_key<Config>(
          {"jwt", "issuer", Type::string, 1, 255, "The iss claim of issued tokens."},
          IOTPKI_FIELD(jwt.issuer)),
      pki::config::string_key<Config>(
          {"jwt", "audience", Type::string, 1, 255, "The aud claim of issued tokens."},
          IOTPKI_FIELD(jwt.audience)),
      pki::config::duration_key<Config>({"jwt", "ttl", Type::duration, kS, kD,
                                         "How long an issued token is valid (its exp - iat)."},
                                        IOTPKI_FIELD(jwt.ttl)),
      pki::config::duration_key<Config>({"jwt", "leeway", Type::duration, 0, 5 * kMin,
                                         "Clock skew allowed when checking exp, nbf and iat."},
                                        IOTPKI_FIELD(jwt.leeway)),
      pki::config::bool_key<Config>(
          {"jwt", "bind_to_cert", Type::boolean, 0, 0,
           "Require /api/* requests to come with the client certificate the token was "
           "issued to (cnf.x5t#S256)."},
          IOTPKI_FIELD(jwt.bind_to_cert)),
      // [backend]
      backend_url_key(),
      pki::config::duration_key<Config>(
          {"backend", "timeout", Type::duration, 100, kH,
           "The whole exchange with the backend (connect, request, response) at most."},
          IOTPKI_FIELD(backend.timeout)),
      pki::config::integer_key<Config>({"backend", "pool_size", Type::integer, 1, 100000,
                                        "Idle backend connections kept for reuse."},
                                       IOTPKI_FIELD(backend.pool_size)),
      pki::config::string_key<Config>(
          {"backend", "ca_file", Type::path, 0, 4096,
           "https:// backends (required there): PEM file of the CAs that may sign the "
           "backend's certificate; the system's trust store is not used. The certificate "
           "must name the host of backend.url (DNS name or IP address SAN)."},
          IOTPKI_FIELD(backend.ca_file)),
      pki::config::string_key<Config>(
          {"backend", "client_cert", Type::path, 0, 4096,
           "https:// backends, optional: PEM certificate (chain) the gateway presents to the "
           "backend; needs backend.client_key."},
          IOTPKI_FIELD(backend.client_cert)),
      pki::config::string_key<Config>(
          {"backend", "client_key", Type::path, 0, 4096,
           "The unencrypted PEM key of backend.client_cert; mode 0600 or stricter, like "
           "server.key."},
          IOTPKI_FIELD(backend.client_key)),
      // [rate_limit]
      pki::config::number_key<Config>(
          {"rate_limit", "token_rate", Type::number, 0.001, 1e6,
           "POST /auth/token requests per second per client address (429 past it)."},
          IOTPKI_FIELD(rate_limit.token_rate)),
      pki::config::integer_key<Config>(
          {"rate_limit", "token_burst", Type::integer, 1, 1000000,
           "Requests a client may make at once before token_rate applies."},
          IOTPKI_FIELD(rate_limit.token_burst)),
      pki::config::integer_key<Config>(
          {"rate_limit", "failure_threshold", Type::integer, 1, 1000000,
           "Authentication failures within failure_window that ban a client address."},
          IOTPKI_FIELD(rate_limit.failure_threshold)),
      pki::config::duration_key<Config>({"rate_limit", "failure_window", Type::duration, kS, kD,
                                         "The window failure_threshold counts in."},
                                        IOTPKI_FIELD(rate_limit.failure_window)),
      pki::config::duration_key<Config>(
          {"rate_limit", "ban_duration", Type::duration, kS, 30 * kD,
           "How long a ban lasts; a banned client's connections are closed at accept."},
          IOTPKI_FIELD(rate_limit.ban_duration)),
      pki::config::integer_key<Config>({"rate_limit", "table_size", Type::integer, 16, 100000000,
                                        "Client addresses tracked at most (fixed memory)."},
                                       IOTPKI_FIELD(rate_limit.table_size)),
      pki::config::string_list_key<Config>(
          {"rate_limit", "never_ban", Type::string_list, 0, 1024,
           "Client ranges (CIDR; IPv6 /64 or shorter) never banned, still rate-limited (a "
           "monitoring host, the operators' network)."},
          IOTPKI_FIELD(rate_limit.never_ban), check_never_ban),
      // [audit]
      pki::config::string_key<Config>(
          {"audit", "path", Type::path, 1, kPath,
           "The hash-chained audit log (JSON lines; SIGHUP or SIGUSR1 reopens it)."},
          IOTPKI_FIELD(audit.path)),
      pki::config::integer_key<Config>(
          {"audit", "queue_size", Type::integer, 16, 100000000,
           "Records waiting for the writer thread at most; past it records are dropped and "
           "counted."},
          IOTPKI_FIELD(audit.queue_size)),
      pki::config::string_key<Config>(
          {"audit", "checkpoint_key", Type::path, 0, kPath,
           "The Ed25519 key (PKCS#8 PEM, 0600; iot-gateway audit key new) that signs the "
           "AUDIT_CHECKPOINT records; \"\" writes none, and audit verify cannot then detect a "
           "cut head or tail."},
          IOTPKI_FIELD(audit.checkpoint_key)),
      pki::config::integer_key<Config>({"audit", "checkpoint_every", Type::integer, 1, 1000000,
                                        "Records between two signed checkpoints at most."},
                                       IOTPKI_FIELD(audit.checkpoint_every)),
      pki::config::duration_key<Config>(
          {"audit", "checkpoint_interval", Type::duration, 100, kH,
           "Time between two signed checkpoints at most, idle or not; audit verify treats a "
           "log whose last checkpoint is older than twice this (+5 s) as cut."},
          IOTPKI_FIELD(audit.checkpoint_interval)),
      pki::config::string_key<Config>(
          {"audit", "syslog", Type::string, 0, 255,
           "Forward every audit record to a syslog collector: \"tcp://host:port\" or "
           "\"tls://host:port\" (RFC 5424, octet-counted frames); \"\" forwards none."},
          IOTPKI_FIELD(audit.syslog), check_syslog),
      pki::config::string_key<Config>(
          {"audit", "syslog_ca", Type::path, 0, kPath,
           "For tls://: the CA certificates (PEM) the collector's certificate must chain to; "
           "its name must match the URL's host."},
          IOTPKI_FIELD(audit.syslog_ca)),
      pki::config::integer_key<Config>(
          {"audit", "syslog_queue", Type::integer, 16, 100000000,
           "Records waiting for the collector at most; past it they are dropped, counted and "
           "reported (AUDIT_FORWARD_LOST)."},
          IOTPKI_FIELD(audit.syslog_queue)),
  };
  return k;
}

// http://host[:port] or https://host[:port]: a path prefix would make the proxied
// target ambiguous.
std::string backend_url_problem(Config& c) {
  const std::string& url = c.backend.url;
  const bool tls = url.rfind("https://", 0) == 0;
  if (!tls && url.rfind("http://", 0) != 0) {
    return "must start with http:// or https:// (got '" + url + "')";
  }
  std::string rest = url.substr(tls ? 8 : 7);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty()) return "cannot read host and port from '" + url + "'";
  if (rest.find('/') != std::string::npos || rest.find('@') != std::string::npos) {
    return "must be http(s)://host[:port] without a path or user";
  }
  Endpoint ep = rest.find(':') == std::string::npos || (rest.front() == '[' && rest.back() == ']')
                    ? Endpoint{rest, tls ? "443" : "80"}
                    : split_host_port(rest);
  if (!ep.host.empty() && ep.host.front() == '[') ep.host = ep.host.substr(1, ep.host.size() - 2);
  if (ep.host.empty() || !valid_port(ep.port)) {
    return "cannot read host and port from '" + url + "'";
  }
  c.backend.host = ep.host;
  c.backend.port = ep.port;
  c.backend.tls = tls;
  return "";
}

// ca_file with https:// (and only there), client_cert and client_key together.
void backend_tls_problems(const Config& c, const KeyLines& lines, std::vector<Problem>& out) {
  const auto line = [&](const std::string& key) {
    const auto it = lines.find(key);
    return it == lines.end() ? std::size_t{0} : it->second;
  };
  const Backend& b = c.backend;
  if (b.tls && b.ca_file.empty()) {
    out.push_back({"backend.ca_file", line("backend.url"),
                   "must name the CAs of the backend's certificate when backend.url is https://"});
  }
  for (const auto& [key, value] :
       {std::pair{"backend.ca_file", &b.ca_file}, std::pair{"backend.client_cert", &b.client_cert},
        std::pair{"backend.client_key", &b.client_key}}) {
    if (!b.tls && !value->empty()) {
      out.push_back(
          {key, line(key),
           "applies to https:// backends only (backend.url is " + b.url.substr(0, 80) + ")"});
    }
  }
  if (b.client_cert.empty() != b.client_key.empty()) {
    const std::string missing =
        b.client_cert.empty() ? "backend.client_cert" : "backend.client_key";
    const std::string given = b.client_cert.empty() ? "backend.client_key" : "backend.client_cert";
    out.push_back({missing, line(given), "must be set together with " + given});
  }
}

void resolve_paths(Config& c) {
  const fs::path base = c.file.has_parent_path() ? c.file.parent_path() : fs::path(".");
  for (fs::path* p :
       {&c.server.cert, &c.server.key, &c.trust.bundle, &c.trust.crl, &c.trust.state_dir,
        &c.jwt.keys_dir, &c.audit.path, &c.audit.checkpoint_key, &c.audit.syslog_ca}) {
    if (!p->empty() && p->is_relative()) *p = base / *p;
  }
  for (fs::path* p : {&c.backend.ca_file, &c.backend.client_cert, &c.backend.client_key}) {
    if (!p->empty() && p->is_relative()) *p = base / *p;
  }
}

}  // namespace

bool valid_hsts(std::string_view value) {
  bool first = true;
  bool sub = false;
  bool preload = false;
  while (true) {
    const auto semi = value.find(';');
    const std::string_view part = trim_ows(value.substr(0, semi));
    if (first) {
      constexpr std::string_view kMaxAge = "max-age=";
      if (part.size() <= kMaxAge.size() || !iequals(part.substr(0, kMaxAge.size()), kMaxAge)) {
        return false;
      }
      const std::string_view digits = part.substr(kMaxAge.size());
      if (digits.size() > 10) return false;
      for (const char ch : digits) {
        if (ch < '0' || ch > '9') return false;
      }
      first = false;
    } else if (iequals(part, "includeSubDomains") && !sub) {
      sub = true;
    } else if (iequals(part, "preload") && !preload) {
      preload = true;
    } else {
      return false;
    }
    if (semi == std::string_view::npos) return true;
    value.remove_prefix(semi + 1);
  }
}

std::vector<KeyInfo> reference() {
  return pki::config::infos(schema());
}

std::string check_cidr(std::string_view text) {
  std::string error;
  return gw::limits::parse_cidr(text.substr(0, 64), &error) ? std::string() : error;
}

namespace {

// A never-banned range must cover whole client keys: an IPv6 client is its /64.
std::string check_never_ban(std::string_view text) {
  std::string error;
  const auto cidr = gw::limits::parse_cidr(text.substr(0, 64), &error);
  if (!cidr) return error;
  if (cidr->v6 && cidr->prefix > 64) {
    return "'" + std::string(text.substr(0, 64)) +
           "': IPv6 clients are grouped by /64, so a range must be /64 or shorter";
  }
  return "";
}

}  // namespace

Parsed parse(std::string_view text, const fs::path& file) {
  Parsed out;
  out.config.file = file;
  // Bounded (size, nesting, dotted-key parts) before toml++ sees it: libpki/config.
  pki::config::TomlParse parsed = pki::config::parse_toml(text, file.string());
  if (const auto& p = parsed.problem) {
    out.problems.push_back({"", p->line, p->message, p->column});
    return out;
  }
  out.problems = pki::config::load_table(parsed.table, schema(), out.config, &out.lines);
  // The default backend.url, when the file sets none.
  if (out.config.backend.host.empty() && !out.lines.contains("backend.url")) {
    if (std::string p = backend_url_problem(out.config); !p.empty()) {
      out.problems.push_back({"backend.url", 0, p});
    }
  }
  backend_tls_problems(out.config, out.lines, out.problems);
  if (out.config.server.proxy_protocol && out.config.server.proxy_protocol_from.empty()) {
    out.problems.push_back(
        {"server.proxy_protocol_from",
         out.lines.contains("server.proxy_protocol") ? out.lines.at("server.proxy_protocol") : 0,
         "must list the load balancers' addresses when server.proxy_protocol = true"});
  }
  if (out.config.trust.require_logged && !out.config.trust.require_manifest) {
    out.problems.push_back(
        {"trust.require_logged",
         out.lines.contains("trust.require_logged") ? out.lines.at("trust.require_logged") : 0,
         "needs trust.require_manifest = true (the log's head travels in the signed manifest)"});
  }
  if (out.config.audit.syslog.rfind("tls://", 0) == 0 && out.config.audit.syslog_ca.empty()) {
    out.problems.push_back({"audit.syslog_ca",
                            out.lines.contains("audit.syslog") ? out.lines.at("audit.syslog") : 0,
                            "must name the collector's CA file when audit.syslog is tls://"});
  }
  resolve_paths(out.config);
  return out;
}

Config load(const fs::path& file) {
  const std::string text = pki::fs::read_file(file, pki::fs::kConfigLimit);
  Parsed p = parse(text, file);
  if (!p.problems.empty()) {
    std::string msg = "invalid configuration (" + std::to_string(p.problems.size()) + " problem" +
                      (p.problems.size() == 1 ? "" : "s") + "):";
    for (const auto& problem : p.problems) {
      msg += "\n  " + pki::config::format_problem(file.string(), problem);
    }
    throw pki::Error(pki::Exit::config, msg);
  }
  return std::move(p.config);
}

std::vector<Problem> check_files(const Config& c, const KeyLines& lines) {
  std::vector<Problem> problems;
  const auto add = [&](const std::string& key, std::string message) {
    const auto it = lines.find(key);
    problems.push_back({key, it == lines.end() ? 0 : it->second, std::move(message)});
  };
  const auto readable = [&](const std::string& key, const fs::path& p) {
    try {
      (void)pki::fs::read_file(p, pki::fs::kTrustLimit);
    } catch (const pki::Error& e) {
      add(key, e.what());
    }
  };
  readable("server.cert", c.server.cert);
  readable("trust.bundle", c.trust.bundle);
  readable("trust.crl", c.trust.crl);
  if (!c.backend.ca_file.empty()) readable("backend.ca_file", c.backend.ca_file);
  if (!c.backend.client_cert.empty()) readable("backend.client_cert", c.backend.client_cert);
  if (!c.backend.client_key.empty()) {
    try {
      pki::fs::require_private_mode(c.backend.client_key);
    } catch (const pki::Error& e) {
      add("backend.client_key", e.what());
    }
  }
  try {
    pki::fs::require_private_mode(c.server.key);
  } catch (const pki::Error& e) {
    add("server.key", e.what());
  }
  std::error_code ec;
  if (!fs::is_directory(c.jwt.keys_dir, ec)) {
    add("jwt.keys_dir", c.jwt.keys_dir.string() +
                            " is not a directory; run: iot-gateway jwt-key new --dir " +
                            c.jwt.keys_dir.string());
  } else {
    for (const auto& entry : fs::directory_iterator(c.jwt.keys_dir, ec)) {
      if (entry.path().extension() != ".key") continue;
      try {
        pki::fs::require_private_mode(entry.path());
      } catch (const pki::Error& e) {
        add("jwt.keys_dir", e.what());
      }
    }
  }
  const fs::path audit_dir = c.audit.path.parent_path();
  if (!audit_dir.empty() && !fs::is_directory(audit_dir, ec)) {
    add("audit.path", "directory " + audit_dir.string() + " does not exist");
  }
  if (!c.audit.checkpoint_key.empty()) {
    try {
      pki::fs::require_private_mode(c.audit.checkpoint_key);
    } catch (const pki::Error& e) {
      add("audit.checkpoint_key", e.what());
    }
  }
  if (!c.audit.syslog_ca.empty()) readable("audit.syslog_ca", c.audit.syslog_ca);
  const fs::path state_dir = c.trust.state_dir;
  if (fs::exists(state_dir, ec) && !fs::is_directory(state_dir, ec)) {
    add("trust.state_dir", state_dir.string() + " is not a directory");
  }
  pki::config::sort_by_line(problems);
  return problems;
}

}  // namespace gw::config
