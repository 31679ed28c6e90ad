// SPDX-License-Identifier: Apache-2.0
// iot-ca init: creates the PKI home, the root CA key and certificate, the registry
// and the settings file.
#include <filesystem>
#include <vector>

#include "core/clock.hpp"
#include "iot-ca/commands.hpp"
#include "workflows/init_ca.hpp"

nlohmann::json new_ca_doc(const pki::workflows::NewCa& ca) {
  nlohmann::json doc = {{"serial", ca.record.serial},
                        {"subject", ca.record.subject},
                        {"not_after", pki::rfc3339(ca.record.not_after)},
                        {"path", ca.cert_path.string()},
                        {"encrypted", ca.encrypted}};
  if (!ca.key_uri.empty()) doc["key_uri"] = ca.key_uri;
  if (!ca.encrypted) {
    const std::string warning = app::unencrypted_key_warning(ca.key_path);
    app::note("iot-ca: warning: " + warning);
    doc["warning"] = warning;
  }
  return doc;
}

void add_key_uri_options(CLI::App* cmd, std::string& key_uri,
                         std::optional<std::filesystem::path>& secret_file,
                         const std::vector<CLI::Option*>& exclusive) {
  CLI::Option* uri = cmd->add_option(
      "--key-uri", key_uri,
      "Keep the new CA key in a PKCS#11 token: \"pkcs11:token=LABEL;object=NAME\" (RFC 7512; "
      "no pin-value). The key is used when it exists, else generated in the token; the home "
      "records the URI, no key file. Module: [hsm] module in iot-pki.toml");
  CLI::Option* pin = cmd->add_option(
      "--pin-file", secret_file,
      "The token's user PIN: the first line of this file (else a prompt on the terminal). "
      "Later commands take the PIN file as --passphrase-file");
  pin->needs(uri);
  for (CLI::Option* o : exclusive) {
    if (o != nullptr) pin->excludes(o);
  }
}

namespace {

struct InitOptions {
  std::string cn;
  std::string org;
  std::string key = "rsa4096";
  std::int64_t days = 0;
  std::optional<std::filesystem::path> passphrase_file;
  std::string key_uri;
  bool no_passphrase = false;
};

void run_init(const app::Common& common, const InitOptions& o) {
  const pki::ca::Home home(common.home);
  const pki::keys::KeyType type = pki::keys::parse_key_type(o.key);
  const pki::workflows::NewCa ca =
      pki::workflows::init_root(home, {o.cn, o.org, type, o.days, o.no_passphrase, o.key_uri},
                                pki::keys::PassphraseSource(o.passphrase_file));
  const auto& rec = ca.record;
  nlohmann::json doc = new_ca_doc(ca);
  doc["key"] = pki::keys::key_type_name(type);
  app::emit(common, doc,
            "Root CA created: " + rec.subject + "\n  certificate " + ca.cert_path.string() +
                "\n  key         " +
                (ca.key_uri.empty()
                     ? ca.key_path.string() + (ca.encrypted ? " (encrypted)" : " (not encrypted)")
                     : ca.key_uri + " (in the token)") +
                "\n  serial      " + rec.serial + "\n  valid until " + pki::rfc3339(rec.not_after));
}

}  // namespace

void add_init_command(CLI::App& cli, app::Common& common) {
  auto opts = std::make_shared<InitOptions>();
  CLI::App* cmd = cli.add_subcommand("init", "Create the root CA in the PKI home");
  cmd->add_option("--cn", opts->cn, "Root CA common name")->required();
  cmd->add_option("--org", opts->org, "Organisation (O); default from iot-pki.toml");
  cmd->add_option("--key", opts->key, "Key type: rsa4096 (default), ec-p384, ec-p256");
  cmd->add_option("--days", opts->days, "Validity in days (default from settings: 3650)")
      ->check(CLI::Range(1, 36500));
  auto* pf = cmd->add_option(
      "--passphrase-file", opts->passphrase_file,
      "Encrypt the key with the first line of this file (0600, at least 12 characters); "
      "else prompt on the terminal");
  auto* np = cmd->add_flag("--no-passphrase", opts->no_passphrase,
                           "Write the root key unencrypted (the only way to; a warning is "
                           "printed)")
                 ->excludes(pf);
  add_key_uri_options(cmd, opts->key_uri, opts->passphrase_file, {pf, np});
  cmd->callback([&common, opts] { run_init(common, *opts); });
}
