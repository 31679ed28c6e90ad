// SPDX-License-Identifier: Apache-2.0
// iot-ca export --out DIR: ca-bundle.pem, crl.pem (a fresh CRL of every issuing CA, the
// root's kept CRL while valid: workflows/root_crl.hpp) and
// manifest.json, each replaced atomically, manifest last (see workflows/publish.hpp).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ca/home.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "iot-ca/commands.hpp"
#include "workflows/publish.hpp"
#include "workflows/root_crl.hpp"
#include "x509/pem.hpp"

namespace {

struct ExportOptions {
  std::filesystem::path out;
  std::optional<std::filesystem::path> passphrase_file;
  std::optional<std::filesystem::path> root_passphrase_file;
  std::string warn_within = "30d";
};

// A warning per CA certificate of the home that ends within `window` seconds of `now`
// (the export still succeeds: the gateway keeps working until the certificate ends,
// then refuses every device under it).
std::vector<std::string> expiry_warnings(const pki::ca::Home& home, std::int64_t now,
                                         std::int64_t window) {
  std::vector<std::pair<std::string, pki::X509Ptr>> cas;
  cas.emplace_back("root", home.root_cert());
  for (const auto& name : home.issuing_names()) cas.emplace_back(name, home.issuing_cert(name));
  std::vector<std::string> out;
  for (const auto& [name, cert] : cas) {
    const std::int64_t end = pki::x509::to_unix(::X509_get0_notAfter(cert.get()));
    if (end - now > window) continue;
    out.push_back("the certificate of CA '" + name + "' ends " + pki::rfc3339(end) + " (in " +
                  std::to_string(std::max<std::int64_t>(end - now, 0) / 86400) + " days): " +
                  (name == "root" ? "plan the new root and its pin now"
                                  : "create its successor (iot-ca intermediate) before then"));
  }
  return out;
}

// "AB:CD…" or "ABCD…" → "abcd…": the form gateway.toml's pins take (either is accepted).
std::string pin_of(const std::string& fingerprint) {
  std::string out;
  for (const char ch : fingerprint) {
    if (ch != ':') out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

void run_export(const app::Common& common, const ExportOptions& o) {
  std::int64_t window = 0;
  try {
    window = pki::parse_duration(o.warn_within, "--warn-within");
  } catch (const pki::Error& e) {
    throw pki::Error(pki::Exit::usage, e.what());
  }
  const pki::ca::Home home(common.home);
  const std::int64_t now = pki::now_unix();
  nlohmann::json manifest = pki::workflows::export_trust(
      home, pki::keys::PassphraseSource(o.passphrase_file),
      pki::keys::PassphraseSource(o.root_passphrase_file ? o.root_passphrase_file
                                                         : o.passphrase_file),
      o.out, now);
  std::vector<std::string> warnings = expiry_warnings(home, now, window);
  for (auto& w : pki::workflows::root_crl_warnings(home, now, window))
    warnings.push_back(std::move(w));
  for (auto& w : home.settings().crl_tables_without_ca(home.issuing_names()))
    warnings.push_back(std::move(w));
  for (const auto& w : warnings) app::note("iot-ca: warning: " + w);
  std::string human = "exported to " + o.out.string() + ":\n";
  for (const auto& f : manifest["files"]) {
    human +=
        "  " + f["name"].get<std::string>() + "  sha256 " + f["sha256"].get<std::string>() + "\n";
  }
  for (const auto& c : manifest["cas"]) {
    human += "  CRL #" + std::to_string(c["crl_number"].get<std::int64_t>()) + " of " +
             c["name"].get<std::string>() + ", " + std::to_string(c["entries"].get<std::size_t>()) +
             " revoked, next update " + c["next_update"].get<std::string>() + "\n";
  }
  human += "  manifest.json and manifest.json.p7s (its signature; written last)\n";
  // The pin of every root in the export (SPEC §10), the line gateway.toml [trust] takes.
  nlohmann::json pins = nlohmann::json::array();
  for (const auto& c : manifest["cas"]) {
    if (c["name"] == "root") pins.push_back(pin_of(c["cert_sha256"].get<std::string>()));
  }
  std::string line = "pins = [";
  for (std::size_t i = 0; i < pins.size(); ++i) {
    line += (i == 0 ? "\"" : ", \"") + pins[i].get<std::string>() + "\"";
  }
  line += "]";
  human += "gateway.toml [trust]:\n  " + line;
  manifest["path"] = o.out.string();
  manifest["warnings"] = warnings;
  manifest["signature"] = (o.out / "manifest.json.p7s").string();
  manifest["pins"] = pins;
  manifest["pins_line"] = line;
  app::emit(common, manifest, human);
}

}  // namespace

void add_export_command(CLI::App& cli, app::Common& common) {
  auto opts = std::make_shared<ExportOptions>();
  CLI::App* cmd = cli.add_subcommand(
      "export",
      "Write ca-bundle.pem, crl.pem (fresh issuing CRLs, the kept root CRL) and manifest.json");
  cmd->add_option("--out", opts->out, "Output directory (created when missing)")->required();
  cmd->add_option("--passphrase-file", opts->passphrase_file,
                  "File whose first line is the issuing CA keys' passphrase (else a prompt per "
                  "key); also the root key's when --root-passphrase-file is not given");
  cmd->add_option("--root-passphrase-file", opts->root_passphrase_file,
                  "The root key's passphrase, needed only when the root CRL kept in the home "
                  "is missing, expired or behind the registry and the root key is here");
  cmd->add_option("--warn-within", opts->warn_within,
                  "Warn (stderr, --json \"warnings\"; exit 0) when a CA certificate or the root "
                  "CRL ends within this duration (default 30d)");
  cmd->callback([&common, opts] { run_export(common, *opts); });
}
