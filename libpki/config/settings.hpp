// SPDX-License-Identifier: Apache-2.0
#pragma once
// iot-pki.toml: the PKI home's settings. Unknown keys are an error naming the key
// and its line, so a typo never silently falls back to a default.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.hpp"

namespace pki::config {

struct Argon2Cost {
  std::uint32_t t_cost = 3;          // passes
  std::uint32_t m_cost_kib = 65536;  // 64 MiB
  std::uint32_t parallelism = 1;
};

struct Settings {
  std::string organisation = "IoT PKI";
  std::string device_ou = "IoT Devices";
  std::string admin_ou = "IoT Admins";
  // Where relying parties fetch revocation data (RFC 5280 §4.2.1.13, §4.2.2.1): URL
  // templates in which "{ca}" stands for the name of the CA that signed the certificate
  // ("root" or the issuing CA's name). Empty: the extension is left out.
  std::string crl_url;         // crlDistributionPoints, e.g. "http://pki.example/crl/{ca}.crl"
  std::string ca_issuers_url;  // authorityInfoAccess caIssuers, ".../ca/{ca}.crt"
  // Validity in days per profile.
  std::int64_t root_days = 3650;
  std::int64_t issuing_days = 1825;
  std::int64_t device_days = 365;
  std::int64_t server_days = 397;
  std::int64_t admin_days = 90;
  // CRL lifetimes (nextUpdate - thisUpdate, days) per CA role (SPEC §10): [crl.root]
  // days, [crl.issuing] days, an issuing CA's own [crl.NAME] days; the old [crl] days,
  // when present, stands for both roles where [crl.root]/[crl.issuing] are not given.
  std::optional<std::int64_t> crl_days;          // [crl] days (deprecated spelling)
  std::optional<std::int64_t> crl_root_days;     // [crl.root] days, default 365
  std::optional<std::int64_t> crl_issuing_days;  // [crl.issuing] days, default 7
  std::map<std::string, std::int64_t, std::less<>> crl_days_per_ca;  // [crl.NAME] days
  Argon2Cost argon2;
  std::int64_t token_ttl_seconds = 15 * 60;
  // The PKCS#11 module a CA key's URI is opened with (docs/hsm.md); a bare file name is
  // looked up like a library (dlopen).
  std::string hsm_module = "p11-kit-proxy.so";

  // The lifetime of the CRL of CA `name` ("root" or an issuing CA's name), in days.
  [[nodiscard]] std::int64_t crl_days_for(std::string_view name) const;
  // A warning for each [crl.NAME] that names none of `issuing_names` (a typo, or a CA
  // not installed yet): such a table changes nothing until a CA of that name exists.
  [[nodiscard]] std::vector<std::string> crl_tables_without_ca(
      const std::vector<std::string>& issuing_names) const;
};

inline constexpr std::int64_t kRootCrlDays = 365;
inline constexpr std::int64_t kIssuingCrlDays = 7;
inline constexpr std::int64_t kMaxCrlDays = 3650;

// Loads the file; a missing file yields the defaults. Every problem of the file (type,
// bounds, unknown keys with a "did you mean") is in the one Error(config), in line order,
// one "FILE:LINE: KEY: MESSAGE" per line.
[[nodiscard]] Settings load_settings(const std::filesystem::path& path);
[[nodiscard]] Settings parse_settings(std::string_view text, std::string_view source_name);

// Every problem of the text, in line order; `out` (if given) gets the settings read.
[[nodiscard]] std::vector<Problem> check_settings(std::string_view text,
                                                  std::string_view source_name, Settings* out);

// A crl_url / ca_issuers_url template: "" or the problem (http:// or https://, "{ca}"
// exactly once, URL characters only and no comma).
[[nodiscard]] std::string check_url_template(const std::string& url);
// The template with "{ca}" replaced by `ca`; "" for an empty template.
[[nodiscard]] std::string expand_url_template(std::string_view url, std::string_view ca);

// Every key of iot-pki.toml with its type, bounds, default and description: the table
// the loader validates from and iot-pki.toml(5) is generated from.
[[nodiscard]] std::vector<KeyInfo> settings_reference();

// The commented file `iot-ca init` writes.
[[nodiscard]] std::string default_settings_toml(const std::string& organisation);

}  // namespace pki::config
