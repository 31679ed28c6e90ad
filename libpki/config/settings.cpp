// SPDX-License-Identifier: Apache-2.0
#include "config/settings.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "config/toml_bounded.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"

namespace pki::config {
namespace {

#define IOTPKI_FIELD(member) \
  [](auto& s) -> auto& {     \
    return s.member;         \
  }

std::string toml_quote(const std::string& s) {
  std::ostringstream os;
  os << toml::value<std::string>(s);  // toml++ escapes it as a basic string
  return os.str();
}

// [crl] days, the spelling before CRL lifetimes were per role: still read (it stands
// for both roles where [crl.root] / [crl.issuing] do not say), shown as unset.
Key<Settings> legacy_crl_days_key() {
  return {{"crl", "days", Type::integer, 1, 365,
           "Deprecated: the CRL lifetime of every CA whose role or name has no days of its "
           "own below. New homes use [crl.root] and [crl.issuing] instead."},
          [](const toml::node& n, Settings& c) -> std::string {
            c.crl_days = n.as_integer()->get();
            return "";
          },
          [](const Settings& c) {
            return c.crl_days ? std::to_string(*c.crl_days) : std::string("unset");
          }};
}

// The per-role and per-CA CRL tables: [crl.root], [crl.issuing], [crl.NAME], each with
// one key, days. KeyInfo only: check_settings reads them itself (the table name of
// [crl.NAME] is not fixed), the reference lists them.
std::vector<KeyInfo> crl_table_infos() {
  KeyInfo root{"crl.root",
               "days",
               Type::integer,
               1,
               kMaxCrlDays,
               "Days from the root CA's CRL thisUpdate to its nextUpdate. The root CRL is "
               "signed only at a root ceremony (iot-revoke crl --ca root); iot-ca export "
               "reuses it while it is valid, without the root key."};
  root.default_text = std::to_string(kRootCrlDays);
  KeyInfo issuing{"crl.issuing",
                  "days",
                  Type::integer,
                  1,
                  kMaxCrlDays,
                  "Days from an issuing CA's CRL thisUpdate to its nextUpdate: iot-ca export "
                  "(or iot-revoke crl) must run again before then."};
  issuing.default_text = std::to_string(kIssuingCrlDays);
  KeyInfo named{"crl.<name>",
                "days",
                Type::integer,
                1,
                kMaxCrlDays,
                "The CRL lifetime of the issuing CA called <name> (the directory under "
                "issuing/), overriding crl.issuing.days for it."};
  named.default_text = "crl.issuing.days";
  return {root, issuing, named};
}

bool valid_ca_table_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Reads the subtables of [crl] into `s` and removes them from `root`, so the generic
// walk sees only [crl] days. Returns their problems.
std::vector<Problem> take_crl_tables(toml::table& root, Settings& s) {
  std::vector<Problem> problems;
  toml::table* crl = root["crl"].as_table();
  if (crl == nullptr) return problems;
  std::vector<std::string> taken;
  const KeyInfo days_info = crl_table_infos().front();
  for (const auto& [key, node] : *crl) {
    const toml::table* t = node.as_table();
    if (t == nullptr) continue;
    const std::string name(key.str());
    taken.push_back(name);
    const std::string table = "crl." + name;
    if (!valid_ca_table_name(name)) {
      problems.push_back({table, node.source().begin.line,
                          "unknown table: [crl.root], [crl.issuing] or [crl.<issuing CA "
                          "name>] (letters, digits, . _ -)"});
      continue;
    }
    for (const auto& [k, v] : *t) {
      const std::string dotted = table + "." + std::string(k.str());
      if (k.str() != "days") {
        problems.push_back({dotted, v.source().begin.line,
                            "unknown key" + std::string(closest(k.str(), {"days"})
                                                            ? " (did you mean 'days'?)"
                                                            : " (the only key here is days)")});
        continue;
      }
      if (std::string p = check_value(days_info, v); !p.empty()) {
        problems.push_back({dotted, v.source().begin.line, std::move(p)});
        continue;
      }
      const std::int64_t days = v.as_integer()->get();
      if (name == "root") {
        s.crl_root_days = days;
      } else if (name == "issuing") {
        s.crl_issuing_days = days;
      } else {
        s.crl_days_per_ca[name] = days;
      }
    }
  }
  for (const auto& name : taken) crl->erase(name);
  return problems;
}

const std::vector<Key<Settings>>& settings_schema() {
  constexpr double kDays = 36500;  // a hundred years: a typo's ceiling, not a policy
  constexpr double kDay = 86'400'000;
  constexpr double kMaxUrl = 200;  // bytes of a URL template
  static const std::vector<Key<Settings>> k = {
      string_key<Settings>({"ca", "organisation", Type::string, 1, 64,
                            "The organisation (O) of every certificate's subject."},
                           IOTPKI_FIELD(organisation)),
      string_key<Settings>({"ca", "device_ou", Type::string, 1, 64,
                            "The organisational unit (OU) of device certificates; the gateway's "
                            "trust.device_ou must match it."},
                           IOTPKI_FIELD(device_ou)),
      string_key<Settings>({"ca", "admin_ou", Type::string, 1, 64,
                            "The OU of admin certificates; the gateway's trust.admin_ou must "
                            "match it."},
                           IOTPKI_FIELD(admin_ou)),
      string_key<Settings>(
          {"ca", "crl_url", Type::string, 0, kMaxUrl,
           "URL template of the CRL Distribution Point put into every certificate a CA "
           "signs (device, server and admin certificates, and issuing CA certificates "
           "signed by the root); {ca} stands for the signing CA's name (root or the issuing "
           "CA's name). iot-ca export writes each CA's DER CRL as crl/NAME.crl, so "
           "\"http://pki.example/crl/{ca}.crl\" serves the export directory as it is. "
           "http:// or https://, {ca} exactly once, no comma. Empty: no extension. "
           "Certificates issued earlier keep what they carry."},
          IOTPKI_FIELD(crl_url), check_url_template),
      string_key<Settings>(
          {"ca", "ca_issuers_url", Type::string, 0, kMaxUrl,
           "URL template of the Authority Information Access caIssuers entry (the signing "
           "CA's certificate, DER) put into every certificate a CA signs; {ca} as for "
           "crl_url. iot-ca export writes each CA certificate as ca/NAME.crt. Empty: no "
           "extension."},
          IOTPKI_FIELD(ca_issuers_url), check_url_template),
      integer_key<Settings>({"validity", "root_days", Type::integer, 1, kDays,
                             "Days a root CA certificate is valid."},
                            IOTPKI_FIELD(root_days)),
      integer_key<Settings>({"validity", "issuing_days", Type::integer, 1, kDays,
                             "Days an issuing CA certificate is valid (at most the root's "
                             "remaining validity)."},
                            IOTPKI_FIELD(issuing_days)),
      integer_key<Settings>({"validity", "device_days", Type::integer, 1, kDays,
                             "Days a device certificate (profile device) is valid."},
                            IOTPKI_FIELD(device_days)),
      integer_key<Settings>({"validity", "server_days", Type::integer, 1, kDays,
                             "Days a server certificate (profile server) is valid; browsers "
                             "accept at most 398."},
                            IOTPKI_FIELD(server_days)),
      integer_key<Settings>({"validity", "admin_days", Type::integer, 1, kDays,
                             "Days an admin certificate (profile admin) is valid."},
                            IOTPKI_FIELD(admin_days)),
      legacy_crl_days_key(),
      // Lower bounds keep a typo from making hashes trivially cheap; tests use t=1, m=8 MiB.
      integer_key<Settings>({"argon2", "t_cost", Type::integer, 1, 100,
                             "Argon2id passes over memory for enrollment-token hashes (RFC 9106)."},
                            IOTPKI_FIELD(argon2.t_cost)),
      integer_key<Settings>({"argon2", "m_cost_kib", Type::integer, 8192, 4 * 1024 * 1024,
                             "Argon2id memory in KiB per token hash; every enrollment needs this "
                             "much memory while it checks a token."},
                            IOTPKI_FIELD(argon2.m_cost_kib)),
      integer_key<Settings>(
          {"argon2", "parallelism", Type::integer, 1, 64, "Argon2id lanes per token hash."},
          IOTPKI_FIELD(argon2.parallelism)),
      duration_key<Settings>({"token", "ttl", Type::duration, 1000, 30 * kDay,
                              "How long an enrollment token is valid when iot-provision token "
                              "gets no --ttl (the same bounds as --ttl)."},
                             IOTPKI_FIELD(token_ttl_seconds)),
      string_key<Settings>(
          {"hsm", "module", Type::string, 1, 4096,
           "The PKCS#11 module (a shared library) that opens CA keys kept in a token "
           "(iot-ca init/intermediate/issuing-request --key-uri; docs/hsm.md), e.g. "
           "\"/usr/lib/softhsm/libsofthsm2.so\" (SoftHSM), "
           "\"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\" (Nitrokey HSM, smart cards) or "
           "\"/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so\" (YubiHSM 2). The default, "
           "p11-kit's proxy, reaches every module p11-kit knows. Unused while the keys are "
           "files."},
          IOTPKI_FIELD(hsm_module)),
  };
  return k;
}

}  // namespace

std::string check_url_template(const std::string& url) {
  if (url.empty()) return "";
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return "must start with http:// or https://";
  }
  const auto at = url.find("{ca}");
  if (at == std::string::npos || url.find("{ca}", at + 1) != std::string::npos) {
    return "must contain {ca} exactly once (each CA publishes its own file)";
  }
  // RFC 3986 characters, less the comma (it separates values in OpenSSL's extension
  // syntax) and with the template's braces.
  static constexpr std::string_view kAllowed = "-._~:/?#[]@!$&'()*+;=%{}";
  for (const char c : url) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 &&
        kAllowed.find(c) == std::string_view::npos) {
      return "must hold URL characters only (no space, comma or control character)";
    }
  }
  const std::string host = url.substr(url.find("//") + 2);
  if (host.empty() || host.front() == '/' || host.front() == '{') {
    return "must name a host (\"http://HOST/...\")";
  }
  return "";
}

std::string expand_url_template(std::string_view url, std::string_view ca) {
  std::string out(url);
  if (const auto at = out.find("{ca}"); at != std::string::npos) out.replace(at, 4, ca);
  return out;
}

std::int64_t Settings::crl_days_for(std::string_view name) const {
  if (name == "root") return crl_root_days.value_or(crl_days.value_or(kRootCrlDays));
  if (const auto it = crl_days_per_ca.find(name); it != crl_days_per_ca.end()) return it->second;
  return crl_issuing_days.value_or(crl_days.value_or(kIssuingCrlDays));
}

std::vector<std::string> Settings::crl_tables_without_ca(
    const std::vector<std::string>& issuing_names) const {
  std::vector<std::string> out;
  for (const auto& [name, days] : crl_days_per_ca) {
    if (std::find(issuing_names.begin(), issuing_names.end(), name) != issuing_names.end())
      continue;
    std::string have;
    for (const auto& n : issuing_names) have += (have.empty() ? "" : ", ") + n;
    out.push_back("iot-pki.toml: [crl." + name + "] names no issuing CA of this home (it has: " +
                  (have.empty() ? "none" : have) + "); its days = " + std::to_string(days) +
                  " applies only once a CA of that name is installed");
  }
  return out;
}

std::vector<KeyInfo> settings_reference() {
  std::vector<KeyInfo> out = infos(settings_schema());
  std::vector<KeyInfo> crl = crl_table_infos();
  // Beside [crl] days, in the order a reader looks for them.
  auto at = std::find_if(out.begin(), out.end(), [](const KeyInfo& k) { return k.table == "crl"; });
  if (at != out.end()) ++at;
  out.insert(at, crl.begin(), crl.end());
  return out;
}

std::vector<Problem> check_settings(std::string_view text, std::string_view source_name,
                                    Settings* out) {
  TomlParse parsed = parse_toml(text, source_name);
  if (const auto& p = parsed.problem) return {Problem{"", p->line, p->message, p->column}};
  Settings s;
  std::vector<Problem> problems = take_crl_tables(parsed.table, s);
  std::vector<Problem> others = load_table(parsed.table, settings_schema(), s, nullptr);
  problems.insert(problems.end(), others.begin(), others.end());
  sort_by_line(problems);
  if (out != nullptr) *out = std::move(s);
  return problems;
}

Settings parse_settings(std::string_view text, std::string_view source_name) {
  Settings s;
  const std::vector<Problem> problems = check_settings(text, source_name, &s);
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) {
      msg += (msg.empty() ? "" : "\n") + format_problem(source_name, p);
    }
    throw Error(Exit::config, msg);
  }
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
  out += "admin_ou = \"" + d.admin_ou + "\"\n";
  out += "# CDP / AIA caIssuers URLs, {ca} = signing CA (docs/revocation.md), e.g.\n";
  out += "# \"http://pki.example/crl/{ca}.crl\" and \"http://pki.example/ca/{ca}.crt\"\n";
  out += "crl_url = \"\"\n";
  out += "ca_issuers_url = \"\"\n\n";
  out += "[validity]  # days\n";
  out += "root_days = " + std::to_string(d.root_days) + "\n";
  out += "issuing_days = " + std::to_string(d.issuing_days) + "\n";
  out += "device_days = " + std::to_string(d.device_days) + "\n";
  out += "server_days = " + std::to_string(d.server_days) + "\n";
  out += "admin_days = " + std::to_string(d.admin_days) + "\n\n";
  out += "[crl.root]  # nextUpdate - thisUpdate in days; signed at the root ceremony\n";
  out += "days = " + std::to_string(kRootCrlDays) + "\n\n";
  out += "[crl.issuing]  # every issuing CA; one may override under [crl.<name>]\n";
  out += "days = " + std::to_string(kIssuingCrlDays) + "\n\n";
  out += "[argon2]  # enrollment-token hashing cost (RFC 9106); see docs/provisioning.md\n";
  out += "t_cost = " + std::to_string(d.argon2.t_cost) + "\n";
  out += "m_cost_kib = " + std::to_string(d.argon2.m_cost_kib) + "\n";
  out += "parallelism = " + std::to_string(d.argon2.parallelism) + "\n\n";
  out += "[token]\n";
  out += "ttl = \"15m\"\n\n";
  out += "[hsm]  # the PKCS#11 module for CA keys in a token (--key-uri); see docs/hsm.md\n";
  out += "module = " + toml_quote(d.hsm_module) + "\n";
  return out;
}

}  // namespace pki::config
