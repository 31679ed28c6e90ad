// SPDX-License-Identifier: Apache-2.0
// iot-ca backup --out DIR / iot-ca restore --from DIR: a consistent copy of the PKI
// home taken while it is in use, and its checked restore (workflows/backup.hpp).
#include <filesystem>
#include <memory>

#include "iot-ca/commands.hpp"
#include "workflows/backup.hpp"

namespace {

std::string summary(const nlohmann::json& manifest) {
  return std::to_string(manifest["files"].size()) + " files, journal of " +
         std::to_string(manifest["journal"]["records"].get<std::int64_t>()) + " records";
}

}  // namespace

void add_backup_commands(CLI::App& cli, app::Common& common) {
  auto out = std::make_shared<std::filesystem::path>();
  CLI::App* backup = cli.add_subcommand(
      "backup",
      "Copy the PKI home (registry via SQLite's online backup, CA certificates and "
      "keys as stored) into a new folder, while it stays in use");
  backup->add_option("--out", *out, "New folder for the backup (created 0700)")->required();
  backup->callback([&common, out] {
    const pki::ca::Home home(common.home);
    nlohmann::json manifest = pki::workflows::backup_home(home, *out);
    manifest["path"] = out->string();
    app::emit(common, manifest, "backup written to " + out->string() + ": " + summary(manifest));
  });

  auto from = std::make_shared<std::filesystem::path>();
  CLI::App* restore = cli.add_subcommand(
      "restore", "Restore a backup into a new PKI home (--home), after checking all of it");
  restore->add_option("--from", *from, "The backup folder")->required();
  restore->callback([&common, from] {
    const pki::ca::Home home(common.home);
    nlohmann::json manifest = pki::workflows::restore_home(*from, home);
    manifest["home"] = home.dir().string();
    app::emit(common, manifest,
              "restored " + from->string() + " into " + home.dir().string() + ": " +
                  summary(manifest) + "; run 'iot-ca journal verify'");
  });
}
