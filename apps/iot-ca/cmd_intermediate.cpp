// SPDX-License-Identifier: Apache-2.0
// iot-ca intermediate: an issuing CA signed by the root, pathLenConstraint 0.
#include <filesystem>

#include "core/clock.hpp"
#include "iot-ca/commands.hpp"
#include "workflows/init_ca.hpp"

namespace {

struct IntermediateOptions {
  std::string name;
  std::string cn;
  std::string key = "ec-p384";
  std::int64_t days = 0;
  std::optional<std::filesystem::path> passphrase_file;
  bool no_passphrase = false;
};

void run_intermediate(const app::Common& common, const IntermediateOptions& o) {
  const pki::ca::Home home(common.home);
  pki::ca::require_ca_name(o.name);
  const pki::keys::KeyType type = pki::keys::parse_key_type(o.key);
  const pki::workflows::NewCa ca =
      pki::workflows::create_issuing(home, {o.name, o.cn, type, o.days, o.no_passphrase},
                                     pki::keys::PassphraseSource(o.passphrase_file));
  const auto& rec = ca.record;
  nlohmann::json doc = new_ca_doc(ca);
  doc["name"] = o.name;
  app::emit(common, doc,
            "Issuing CA '" + o.name + "' created: " + rec.subject + "\n  certificate " +
                ca.cert_path.string() + "\n  serial      " + rec.serial + "\n  valid until " +
                pki::rfc3339(rec.not_after));
}

}  // namespace

void add_intermediate_command(CLI::App& cli, app::Common& common) {
  auto opts = std::make_shared<IntermediateOptions>();
  CLI::App* cmd = cli.add_subcommand("intermediate", "Create an issuing CA signed by the root");
  cmd->add_option("--name", opts->name, "Issuing CA name (directory under issuing/)")->required();
  cmd->add_option("--cn", opts->cn, "Issuing CA common name")->required();
  cmd->add_option("--key", opts->key, "Key type: ec-p384 (default), ec-p256, rsa4096");
  cmd->add_option("--days", opts->days, "Validity in days (default from settings: 1825)")
      ->check(CLI::Range(1, 36500));
  cmd->add_option("--passphrase-file", opts->passphrase_file,
                  "Root key passphrase; also encrypts the new key (at least 12 characters)");
  cmd->add_flag("--no-passphrase", opts->no_passphrase,
                "Write the issuing key unencrypted (the only way to; a warning is printed)");
  cmd->callback([&common, opts] { run_intermediate(common, *opts); });
}
