// SPDX-License-Identifier: Apache-2.0
// The end of every --help: examples, and in a subcommand's help the global options,
// which CLI11 lists only in the top-level help although they work anywhere on the line.
#include <map>
#include <vector>

#include "common/app.hpp"

namespace app {
namespace {

using Examples = std::map<std::string, std::vector<std::string>>;

// Keyed by the command path as typed ("iot-ca journal verify").
const Examples& examples() {
  static const Examples e = {
      {"iot-ca",
       {"iot-ca --home /srv/pki init --cn \"Acme Root CA\" --passphrase-file root.pass",
        "iot-ca --home /srv/pki sign --csr dev.csr --profile device --out dev.crt",
        "iot-ca --home /srv/pki --json list"}},
      {"iot-ca init",
       {"iot-ca --home /srv/pki init --cn \"Acme Root CA\" --passphrase-file root.pass",
        "iot-ca --home ./pki init --cn \"Test Root\" --key ec-p256 --no-passphrase"}},
      {"iot-ca intermediate",
       {"iot-ca --home /srv/pki intermediate --name factory-1 --cn \"Acme Factory CA 1\" "
        "--passphrase-file root.pass"}},
      {"iot-ca sign",
       {"iot-ca --home /srv/pki sign --csr dev.csr --profile device --out dev.crt",
        "iot-ca sign --csr gw.csr --profile server --san DNS:gw.example.org --out gw.crt --chain",
        "openssl req -new -key k.pem -subj /CN=sensor-1 | iot-ca sign --csr - --profile device "
        "--out -"}},
      {"iot-ca list",
       {"iot-ca --home /srv/pki list --status active", "iot-ca list --expiring 30d",
        "iot-ca list --device sensor-1", "iot-ca --json list --issuer line1 --profile device"}},
      {"iot-ca show", {"iot-ca --home /srv/pki show 4F1A09C2", "iot-ca --json show 4f1a09c2"}},
      {"iot-ca export", {"iot-ca --home /srv/pki export --out trust/ --passphrase-file ca.pass"}},
      {"iot-ca journal", {"iot-ca --home /srv/pki journal verify", "iot-ca journal show | jq ."}},
      {"iot-ca journal show",
       {"iot-ca --home /srv/pki journal show > journal.jsonl",
        "iot-ca journal show --since 120 | jq -c 'select(.action == \"revoke\") | .detail | "
        "fromjson'"}},
      {"iot-ca journal verify",
       {"iot-ca --home /srv/pki journal verify",
        "iot-ca journal verify --manifest /media/transfer/trust/manifest.json",
        "iot-ca --json journal verify | jq '.problems[].message'"}},
      {"iot-ca log",
       {"iot-ca log proof 4F1A09C2", "iot-ca log consistency 1200 1450",
        "iot-ca --home /srv/pki log verify"}},
      {"iot-ca log proof",
       {"iot-ca log proof 4F1A09C2", "iot-ca log proof 4F1A09C2 --size 1200",
        "iot-ca log proof --all"}},
      {"iot-ca log consistency", {"iot-ca log consistency 1200 1450"}},
      {"iot-ca log verify", {"iot-ca --home /srv/pki log verify", "iot-ca --json log verify"}},
      {"iot-provision",
       {"iot-provision --home /srv/pki token --device-id sensor-1 --out sensor-1.token",
        "iot-provision enroll --token-file sensor-1.token --csr sensor-1.csr --out sensor-1.crt"}},
      {"iot-provision token",
       {"iot-provision --home /srv/pki token --device-id sensor-1 --ttl 1h30m --out sensor-1.token",
        "iot-provision token --batch devices.txt --out tokens.csv"}},
      {"iot-provision enroll",
       {"iot-provision enroll --token-file sensor-1.token --csr sensor-1.csr --out sensor-1.crt",
        "iot-provision enroll --batch tokens.csv --csr-dir csrs/ --out-dir certs/ --jobs 4",
        "iot-provision enroll --batch manifest.csv --out-dir certs/"}},
      {"iot-provision list",
       {"iot-provision --home /srv/pki list --pending", "iot-provision --json list"}},
      {"iot-provision purge", {"iot-provision --home /srv/pki purge"}},
      {"iot-revoke",
       {"iot-revoke --home /srv/pki device sensor-1 --reason keyCompromise",
        "iot-revoke --home /srv/pki crl --out trust/crl.pem"}},
      {"iot-revoke cert", {"iot-revoke --home /srv/pki cert 4F1A09C2 --reason superseded"}},
      {"iot-revoke device", {"iot-revoke --home /srv/pki device sensor-1 --reason keyCompromise"}},
      {"iot-revoke crl",
       {"iot-revoke --home /srv/pki crl --out crl.pem --passphrase-file ca.pass",
        "iot-revoke crl --ca root --format der --out root.crl"}},
      {"iot-revoke list", {"iot-revoke --home /srv/pki list", "iot-revoke --json list"}},
      {"iot-gateway",
       {"iot-gateway --config /etc/iot-gateway/gateway.toml",
        "iot-gateway check-config --config /etc/iot-gateway/gateway.toml"}},
      {"iot-gateway run", {"iot-gateway run --config /etc/iot-gateway/gateway.toml"}},
      {"iot-gateway check-config",
       {"iot-gateway check-config --config /etc/iot-gateway/gateway.toml",
        "iot-gateway check-config --json --config gateway.toml"}},
      {"iot-gateway jwt-key", {"iot-gateway jwt-key new --dir /etc/iot-gateway/jwt"}},
      {"iot-gateway jwt-key new", {"iot-gateway jwt-key new --dir /etc/iot-gateway/jwt"}},
      {"iot-gateway audit", {"iot-gateway audit verify /var/log/iot-gateway/audit.log"}},
      {"iot-gateway audit verify",
       {"iot-gateway audit verify /var/log/iot-gateway/audit.log",
        "iot-gateway audit verify --key audit-checkpoint.key.pub --stopped audit.log.1 audit.log",
        "iot-gateway --json audit verify audit.log"}},
      {"iot-gateway audit key",
       {"iot-gateway audit key new --out /etc/iot-gateway/audit-checkpoint.key"}},
      {"iot-gateway audit key new",
       {"iot-gateway audit key new --out /etc/iot-gateway/audit-checkpoint.key"}},
  };
  return e;
}

std::string examples_text(const std::string& path) {
  std::string out = "Examples:\n";
  const auto it = examples().find(path);
  if (it == examples().end()) return out + "  " + path + " --help\n";
  for (const auto& line : it->second) out += "  " + line + "\n";
  return out;
}

std::string global_options(const std::string& tool) {
  std::string out = "Global options (before or after the subcommand):\n";
  if (tool != "iot-gateway") {
    out += "  --home DIR   PKI home directory (env IOT_PKI_HOME, default ./pki)\n";
  }
  out += "  --json       Machine-readable output on stdout\n";
  out += "  --version    Version, git commit and library versions\n";
  return out;
}

void add_footers(CLI::App& app, const std::string& path, const std::string& tool) {
  std::string text;
  const std::string own = app.get_footer();
  if (!own.empty()) text += own + "\n\n";
  if (path != tool) text += global_options(tool) + "\n";
  text += examples_text(path);
  if (tool == "iot-gateway" && path == tool) {
    text += "\nConfiguration keys: gateway.toml(5). Manual: iot-gateway(8).";
  } else if (path == tool) {
    text += "\nSettings keys: iot-pki.toml(5). Manual: " + tool + "(1).";
  }
  while (!text.empty() && text.back() == '\n') text.pop_back();
  app.footer(text);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    add_footers(*sub, path + " " + sub->get_name(), tool);
  }
}

}  // namespace

void add_help_footers(CLI::App& cli, const std::string& tool) {
  add_footers(cli, tool, tool);
}

}  // namespace app
