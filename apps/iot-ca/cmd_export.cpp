// SPDX-License-Identifier: Apache-2.0
// iot-ca export --out DIR: ca-bundle.pem, crl.pem (a fresh CRL of every CA) and
// manifest.json, each replaced atomically, manifest last (see workflows/publish.hpp).
#include <filesystem>
#include <memory>
#include <optional>

#include "ca/home.hpp"
#include "core/clock.hpp"
#include "iot-ca/commands.hpp"
#include "workflows/publish.hpp"

namespace {

struct ExportOptions {
  std::filesystem::path out;
  std::optional<std::filesystem::path> passphrase_file;
};

void run_export(const app::Common& common, const ExportOptions& o) {
  const pki::ca::Home home(common.home);
  nlohmann::json manifest = pki::workflows::export_trust(
      home, pki::keys::PassphraseSource(o.passphrase_file), o.out, pki::now_unix());
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
  human += "  manifest.json (written last)";
  manifest["path"] = o.out.string();
  app::emit(common, manifest, human);
}

}  // namespace

void add_export_command(CLI::App& cli, app::Common& common) {
  auto opts = std::make_shared<ExportOptions>();
  CLI::App* cmd = cli.add_subcommand(
      "export", "Write ca-bundle.pem, crl.pem (a fresh CRL of every CA) and manifest.json");
  cmd->add_option("--out", opts->out, "Output directory (created when missing)")->required();
  cmd->add_option("--passphrase-file", opts->passphrase_file,
                  "File whose first line is the CA keys' passphrase (else a prompt per key)");
  cmd->callback([&common, opts] { run_export(common, *opts); });
}
