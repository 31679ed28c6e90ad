// SPDX-License-Identifier: Apache-2.0
#include "config/settings.hpp"

#include <sstream>

#include "config/toml_strict.hpp"
#include "fsutil/files.hpp"

namespace pki::config {
namespace {

std::string toml_quote(const std::string& s) {
  std::ostringstream os;
  os << toml::value<std::string>(s);  // toml++ escapes it as a basic string
  return os.str();
}

}  // namespace

Settings parse_settings(std::string_view text, std::string_view source_name) {
  const toml::table root = parse_text(text, source_name);
  reject_unknown(root, "", {"ca", "validity", "crl", "argon2", "token"});
  Settings s;

  const auto& ca = get_table(root, "ca");
  reject_unknown(ca, "ca", {"organisation", "device_ou", "admin_ou"});
  s.organisation = get_string(ca, "ca", "organisation", s.organisation);
  s.device_ou = get_string(ca, "ca", "device_ou", s.device_ou);
  s.admin_ou = get_string(ca, "ca", "admin_ou", s.admin_ou);

  const auto& v = get_table(root, "validity");
  reject_unknown(v, "validity",
                 {"root_days", "issuing_days", "device_days", "server_days", "admin_days"});
  s.root_days = get_int(v, "validity", "root_days", s.root_days, 1, 36500);
  s.issuing_days = get_int(v, "validity", "issuing_days", s.issuing_days, 1, 36500);
  s.device_days = get_int(v, "validity", "device_days", s.device_days, 1, 36500);
  s.server_days = get_int(v, "validity", "server_days", s.server_days, 1, 36500);
  s.admin_days = get_int(v, "validity", "admin_days", s.admin_days, 1, 36500);

  const auto& crl = get_table(root, "crl");
  reject_unknown(crl, "crl", {"days"});
  s.crl_days = get_int(crl, "crl", "days", s.crl_days, 1, 365);

  const auto& a = get_table(root, "argon2");
  reject_unknown(a, "argon2", {"t_cost", "m_cost_kib", "parallelism"});
  // Lower bounds keep a typo from making hashes trivially cheap; tests use t=1, m=8 MiB.
  s.argon2.t_cost =
      static_cast<std::uint32_t>(get_int(a, "argon2", "t_cost", s.argon2.t_cost, 1, 100));
  s.argon2.m_cost_kib = static_cast<std::uint32_t>(
      get_int(a, "argon2", "m_cost_kib", s.argon2.m_cost_kib, 8192, 4 * 1024 * 1024));
  s.argon2.parallelism =
      static_cast<std::uint32_t>(get_int(a, "argon2", "parallelism", s.argon2.parallelism, 1, 64));

  const auto& tok = get_table(root, "token");
  reject_unknown(tok, "token", {"ttl"});
  s.token_ttl_seconds = get_duration(tok, "token", "ttl", s.token_ttl_seconds);
  return s;
}

Settings load_settings(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Settings{};
  return parse_settings(fs::read_file(path, fs::kConfigLimit), path.string());
}

std::string default_settings_toml(const std::string& organisation) {
  const Settings d;
  std::string out;
  out += "# iot-pki settings. Unknown keys are an error. See iot-ca(1).\n\n";
  out += "[ca]\n";
  out += "organisation = " + toml_quote(organisation) + "\n";
  out += "device_ou = \"" + d.device_ou + "\"\n";
  out += "admin_ou = \"" + d.admin_ou + "\"\n\n";
  out += "[validity]  # days\n";
  out += "root_days = " + std::to_string(d.root_days) + "\n";
  out += "issuing_days = " + std::to_string(d.issuing_days) + "\n";
  out += "device_days = " + std::to_string(d.device_days) + "\n";
  out += "server_days = " + std::to_string(d.server_days) + "\n";
  out += "admin_days = " + std::to_string(d.admin_days) + "\n\n";
  out += "[crl]\n";
  out += "days = " + std::to_string(d.crl_days) + "  # nextUpdate - thisUpdate\n\n";
  out += "[argon2]  # enrollment-token hashing cost (RFC 9106); see docs/provisioning.md\n";
  out += "t_cost = " + std::to_string(d.argon2.t_cost) + "\n";
  out += "m_cost_kib = " + std::to_string(d.argon2.m_cost_kib) + "\n";
  out += "parallelism = " + std::to_string(d.argon2.parallelism) + "\n\n";
  out += "[token]\n";
  out += "ttl = \"15m\"\n";
  return out;
}

}  // namespace pki::config
