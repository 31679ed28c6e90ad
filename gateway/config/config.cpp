// SPDX-License-Identifier: Apache-2.0
#include "gateway/config/config.hpp"

#include <sys/stat.h>

#include <toml++/toml.h>
#include <cctype>
#include <functional>
#include <map>
#include <sstream>

#include "config/toml_bounded.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/limits/cidr.hpp"

namespace gw::config {
namespace {

using Problems = std::vector<std::string>;
// Applies one TOML value to the config; returns a problem text or "".
using Setter = std::function<std::string(const toml::node&, Config&)>;

std::string where(const toml::node& n) {
  const auto& src = n.source();
  return " (line " + std::to_string(src.begin.line) + ")";
}

template <class Section>
Setter str(Section Config::*sec, std::string Section::*field, bool allow_empty = false) {
  return [=](const toml::node& n, Config& c) -> std::string {
    const auto v = n.value<std::string>();
    if (!n.is_string() || !v) return "must be a string";
    if (!allow_empty && v->empty()) return "must not be empty";
    if (v->find('\0') != std::string::npos) return "must not contain NUL";
    (c.*sec).*field = *v;
    return "";
  };
}

template <class Section>
Setter path(Section Config::*sec, fs::path Section::*field) {
  return [=](const toml::node& n, Config& c) -> std::string {
    const auto v = n.value<std::string>();
    if (!n.is_string() || !v || v->empty()) return "must be a non-empty path string";
    (c.*sec).*field = *v;
    return "";
  };
}

template <class Section>
Setter duration(Section Config::*sec, std::int64_t Section::*field, std::int64_t min_seconds) {
  return [=](const toml::node& n, Config& c) -> std::string {
    const auto v = n.value<std::string>();
    if (!n.is_string() || !v) return "must be a duration string such as \"30s\"";
    try {
      const std::int64_t s = pki::parse_duration(*v, "duration");
      if (s < min_seconds) return "must be at least " + std::to_string(min_seconds) + "s";
      (c.*sec).*field = s;
    } catch (const pki::Error&) {
      return "invalid duration '" + *v + "' (use a number with s, m, h or d, e.g. \"30s\")";
    }
    return "";
  };
}

template <class Section, class T>
Setter integer(Section Config::*sec, T Section::*field, std::int64_t lo, std::int64_t hi) {
  return [=](const toml::node& n, Config& c) -> std::string {
    if (!n.is_integer()) return "must be an integer";
    const std::int64_t v = *n.value<std::int64_t>();
    if (v < lo || v > hi) {
      return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
    }
    (c.*sec).*field = static_cast<T>(v);
    return "";
  };
}

Setter boolean(bool Jwt::*field) {
  return [=](const toml::node& n, Config& c) -> std::string {
    if (!n.is_boolean()) return "must be true or false";
    c.jwt.*field = *n.value<bool>();
    return "";
  };
}

template <class Section>
Setter flag(Section Config::*sec, bool Section::*field) {
  return [=](const toml::node& n, Config& c) -> std::string {
    if (!n.is_boolean()) return "must be true or false";
    (c.*sec).*field = *n.value<bool>();
    return "";
  };
}

// An array of address ranges ("10.0.0.0/8", "2001:db8::/48", "192.0.2.7"), at most 1024;
// `max_v6_prefix` below 128 refuses longer IPv6 prefixes.
template <class Section>
Setter cidrs(Section Config::*sec, std::vector<std::string> Section::*field,
             unsigned max_v6_prefix = 128) {
  return [=](const toml::node& n, Config& c) -> std::string {
    const toml::array* arr = n.as_array();
    if (arr == nullptr) return "must be an array of address ranges such as [\"10.0.0.0/8\"]";
    if (arr->size() > 1024) return "at most 1024 ranges";
    std::vector<std::string> out;
    for (const auto& item : *arr) {
      const auto v = item.value<std::string>();
      if (!item.is_string() || !v) return "must be an array of strings";
      std::string error;
      const auto cidr = gw::limits::parse_cidr(*v, &error);
      if (!cidr) return error;
      if (cidr->v6 && cidr->prefix > max_v6_prefix) {
        return "'" + *v + "': IPv6 clients are grouped by /64, so a range must be /" +
               std::to_string(max_v6_prefix) + " or shorter";
      }
      out.push_back(*v);
    }
    (c.*sec).*field = std::move(out);
    return "";
  };
}

Setter positive_real(double RateLimit::*field) {
  return [=](const toml::node& n, Config& c) -> std::string {
    if (!n.is_number()) return "must be a number";
    const double v = *n.value<double>();
    if (!(v > 0 && v <= 1e6)) return "must be greater than 0 and at most 1000000";
    c.rate_limit.*field = v;
    return "";
  };
}

Setter hsts() {
  return [](const toml::node& n, Config& c) -> std::string {
    const auto v = n.value<std::string>();
    if (!n.is_string() || !v) return "must be a string";
    if (!v->empty() && !valid_hsts(*v)) {
      return "must be \"max-age=N\" optionally followed by \"; includeSubDomains\" and "
             "\"; preload\", or \"\" to send none (got '" +
             *v + "')";
    }
    c.server.hsts = *v;
    return "";
  };
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

using Table = std::map<std::string, std::map<std::string, Setter>>;

const Table& schema() {
  static const Table t = {
      {"server",
       {
           {"listen", str(&Config::server, &Server::listen)},
           {"cert", path(&Config::server, &Server::cert)},
           {"key", path(&Config::server, &Server::key)},
           {"threads", integer(&Config::server, &Server::threads, 0, 1024)},
           {"max_connections", integer(&Config::server, &Server::max_connections, 1, 10000000)},
           {"max_connections_per_ip",
            integer(&Config::server, &Server::max_connections_per_ip, 1, 10000000)},
           {"handshake_timeout", duration(&Config::server, &Server::handshake_timeout, 1)},
           {"header_timeout", duration(&Config::server, &Server::header_timeout, 1)},
           {"read_timeout", duration(&Config::server, &Server::read_timeout, 1)},
           {"write_timeout", duration(&Config::server, &Server::write_timeout, 1)},
           {"idle_timeout", duration(&Config::server, &Server::idle_timeout, 1)},
           {"max_header_bytes", integer(&Config::server, &Server::max_header_bytes, 512, 1 << 20)},
           {"max_body_bytes", integer(&Config::server, &Server::max_body_bytes, 0, 1LL << 32)},
           {"drain_timeout", duration(&Config::server, &Server::drain_timeout, 0)},
           {"metrics_listen", str(&Config::server, &Server::metrics_listen, true)},
           {"hsts", hsts()},
           {"proxy_protocol", flag(&Config::server, &Server::proxy_protocol)},
           {"proxy_protocol_from", cidrs(&Config::server, &Server::proxy_protocol_from)},
       }},
      {"trust",
       {
           {"bundle", path(&Config::trust, &Trust::bundle)},
           {"crl", path(&Config::trust, &Trust::crl)},
           {"reload_interval", duration(&Config::trust, &Trust::reload_interval, 1)},
           {"crl_grace", duration(&Config::trust, &Trust::crl_grace, 0)},
           {"device_ou", str(&Config::trust, &Trust::device_ou)},
           {"admin_ou", str(&Config::trust, &Trust::admin_ou)},
           {"state_dir", path(&Config::trust, &Trust::state_dir)},
       }},
      {"jwt",
       {
           {"keys_dir", path(&Config::jwt, &Jwt::keys_dir)},
           {"issuer", str(&Config::jwt, &Jwt::issuer)},
           {"audience", str(&Config::jwt, &Jwt::audience)},
           {"ttl", duration(&Config::jwt, &Jwt::ttl, 1)},
           {"leeway", duration(&Config::jwt, &Jwt::leeway, 0)},
           {"bind_to_cert", boolean(&Jwt::bind_to_cert)},
       }},
      {"backend",
       {
           {"url", str(&Config::backend, &Backend::url)},
           {"timeout", duration(&Config::backend, &Backend::timeout, 1)},
           {"pool_size", integer(&Config::backend, &Backend::pool_size, 1, 100000)},
       }},
      {"rate_limit",
       {
           {"token_rate", positive_real(&RateLimit::token_rate)},
           {"token_burst", integer(&Config::rate_limit, &RateLimit::token_burst, 1, 1000000)},
           {"failure_threshold",
            integer(&Config::rate_limit, &RateLimit::failure_threshold, 1, 1000000)},
           {"failure_window", duration(&Config::rate_limit, &RateLimit::failure_window, 1)},
           {"ban_duration", duration(&Config::rate_limit, &RateLimit::ban_duration, 1)},
           {"table_size", integer(&Config::rate_limit, &RateLimit::table_size, 16, 100000000)},
           {"never_ban", cidrs(&Config::rate_limit, &RateLimit::never_ban, 64)},
       }},
      {"audit",
       {
           {"path", path(&Config::audit, &Audit::path)},
           {"queue_size", integer(&Config::audit, &Audit::queue_size, 16, 100000000)},
       }},
  };
  return t;
}

bool valid_port(std::string_view p) {
  if (p.empty() || p.size() > 5) return false;
  unsigned v = 0;
  for (const char ch : p) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  return v > 0 && v <= 65535;
}

// Only plain http://host[:port] is accepted: the backend is on a trusted network
// segment, and a path prefix would make the proxied target ambiguous.
void parse_backend_url(Config& c, Problems& problems) {
  constexpr std::string_view kScheme = "http://";
  const std::string& url = c.backend.url;
  if (url.rfind(kScheme, 0) != 0) {
    problems.push_back("backend.url: must start with http:// (got '" + url + "')");
    return;
  }
  std::string rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos || rest.find('@') != std::string::npos) {
    problems.push_back("backend.url: must be http://host[:port] without a path or user");
    return;
  }
  Endpoint ep = rest.find(':') == std::string::npos || (rest.front() == '[' && rest.back() == ']')
                    ? Endpoint{rest, "80"}
                    : split_host_port(rest);
  if (!ep.host.empty() && ep.host.front() == '[') ep.host = ep.host.substr(1, ep.host.size() - 2);
  if (ep.host.empty() || !valid_port(ep.port)) {
    problems.push_back("backend.url: cannot read host and port from '" + url + "'");
    return;
  }
  c.backend.host = ep.host;
  c.backend.port = ep.port;
}

void resolve_paths(Config& c) {
  const fs::path base = c.file.has_parent_path() ? c.file.parent_path() : fs::path(".");
  for (fs::path* p : {&c.server.cert, &c.server.key, &c.trust.bundle, &c.trust.crl,
                      &c.trust.state_dir, &c.jwt.keys_dir, &c.audit.path}) {
    if (p->is_relative()) *p = base / *p;
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

Endpoint split_host_port(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return {};
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return {};
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || !valid_port(port)) return {};
  return {std::string(host), std::string(port)};
}

Parsed parse(std::string_view text, const fs::path& file) {
  Parsed out;
  out.config.file = file;
  // Bounded (size, nesting, dotted-key parts) before toml++ sees it: libpki/config.
  pki::config::TomlParse parsed = pki::config::parse_toml(text, file.string());
  if (const auto& p = parsed.problem) {
    out.problems.push_back(file.string() + ":" + std::to_string(p->line) + ": " + p->message);
    return out;
  }
  const toml::table root = std::move(parsed.table);
  const Table& t = schema();
  for (const auto& [section_key, node] : root) {
    const std::string section(section_key.str());
    const auto sit = t.find(section);
    if (sit == t.end()) {
      out.problems.push_back(section + ": unknown section" + where(node));
      continue;
    }
    const toml::table* tbl = node.as_table();
    if (tbl == nullptr) {
      out.problems.push_back(section + ": must be a table" + where(node));
      continue;
    }
    for (const auto& [k, v] : *tbl) {
      const std::string key = section + "." + std::string(k.str());
      const auto kit = sit->second.find(std::string(k.str()));
      if (kit == sit->second.end()) {
        out.problems.push_back(key + ": unknown key" + where(v));
        continue;
      }
      if (std::string problem = kit->second(v, out.config); !problem.empty()) {
        out.problems.push_back(key + ": " + problem + where(v));
      }
    }
  }
  if (split_host_port(out.config.server.listen).host.empty()) {
    out.problems.push_back("server.listen: expected host:port or [v6]:port, got '" +
                           out.config.server.listen + "'");
  }
  if (!out.config.server.metrics_listen.empty() &&
      split_host_port(out.config.server.metrics_listen).host.empty()) {
    out.problems.push_back("server.metrics_listen: expected host:port, got '" +
                           out.config.server.metrics_listen + "'");
  }
  if (out.config.server.proxy_protocol && out.config.server.proxy_protocol_from.empty()) {
    out.problems.push_back(
        "server.proxy_protocol_from: must list the load balancers' addresses when "
        "server.proxy_protocol = true");
  }
  parse_backend_url(out.config, out.problems);
  resolve_paths(out.config);
  return out;
}

Config load(const fs::path& file) {
  const std::string text = pki::fs::read_file(file, pki::fs::kConfigLimit);
  Parsed p = parse(text, file);
  if (!p.problems.empty()) {
    std::string msg = "invalid configuration " + file.string() + ":";
    for (const auto& problem : p.problems) msg += "\n  " + problem;
    throw pki::Error(pki::Exit::config, msg);
  }
  return std::move(p.config);
}

std::vector<std::string> check_files(const Config& c) {
  Problems problems;
  const auto readable = [&](const std::string& key, const fs::path& p) {
    try {
      (void)pki::fs::read_file(p, pki::fs::kTrustLimit);
    } catch (const pki::Error& e) {
      problems.push_back(key + ": " + e.what());
    }
  };
  readable("server.cert", c.server.cert);
  readable("trust.bundle", c.trust.bundle);
  readable("trust.crl", c.trust.crl);
  try {
    pki::fs::require_private_mode(c.server.key);
  } catch (const pki::Error& e) {
    problems.push_back(std::string("server.key: ") + e.what());
  }
  std::error_code ec;
  if (!fs::is_directory(c.jwt.keys_dir, ec)) {
    problems.push_back("jwt.keys_dir: " + c.jwt.keys_dir.string() +
                       " is not a directory; run: iot-gateway jwt-key new --dir " +
                       c.jwt.keys_dir.string());
  } else {
    for (const auto& entry : fs::directory_iterator(c.jwt.keys_dir, ec)) {
      if (entry.path().extension() != ".key") continue;
      try {
        pki::fs::require_private_mode(entry.path());
      } catch (const pki::Error& e) {
        problems.push_back(std::string("jwt.keys_dir: ") + e.what());
      }
    }
  }
  const fs::path audit_dir = c.audit.path.parent_path();
  if (!audit_dir.empty() && !fs::is_directory(audit_dir, ec)) {
    problems.push_back("audit.path: directory " + audit_dir.string() + " does not exist");
  }
  return problems;
}

}  // namespace gw::config
