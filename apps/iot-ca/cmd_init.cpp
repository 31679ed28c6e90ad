// SPDX-License-Identifier: Apache-2.0
// iot-ca init: creates the PKI home, the root CA key and certificate, the registry
// and the settings file.
#include <filesystem>

#include "ca/home.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "iot-ca/commands.hpp"
#include "journal/journal.hpp"
#include "registry/certs.hpp"
#include "registry/sqlite.hpp"
#include "x509/pem.hpp"

namespace {

struct InitOptions {
  std::string cn;
  std::string org;
  std::string key = "rsa4096";
  std::int64_t days = 0;
  std::optional<std::filesystem::path> passphrase_file;
  bool no_passphrase = false;
};

void run_init(const app::Common& common, const InitOptions& o) {
  const pki::ca::Home home(common.home);
  const pki::keys::KeyType type = pki::keys::parse_key_type(o.key);
  std::error_code ec;
  if (std::filesystem::exists(home.root_cert_path(), ec)) {
    throw pki::Error(
        pki::Exit::cant_create,
        "PKI home " + home.dir().string() + " already has a root CA; refusing to overwrite it");
  }
  if (o.cn.empty()) throw pki::Error(pki::Exit::usage, "--cn must not be empty");
  // The passphrase is settled before anything is created: a refused one leaves no trace.
  const pki::Secret pass =
      pki::keys::PassphraseSource(o.passphrase_file).for_new_key(o.no_passphrase);
  // Read settings first: an operator may pre-seed iot-pki.toml (e.g. Argon2 cost).
  pki::config::Settings settings = home.settings();
  pki::fs::ensure_private_dir(home.dir());
  pki::fs::ensure_private_dir(home.root_cert_path().parent_path());
  const std::string org = o.org.empty() ? settings.organisation : o.org;
  const std::int64_t days = o.days > 0 ? o.days : settings.root_days;
  const pki::PkeyPtr key = pki::keys::generate(type);
  const pki::X509Ptr cert = pki::x509::make_root(key.get(), o.cn, org, days);

  if (!std::filesystem::exists(home.settings_path(), ec)) {
    pki::fs::write_file_atomic(home.settings_path(), pki::config::default_settings_toml(org), 0600);
  }
  pki::keys::write_private_key(home.root_key_path(), key.get(), pass);
  auto reg = pki::db::Registry::open(home.registry_path(), true);
  pki::db::WriteTxn txn(reg.handle());
  const auto rec = pki::db::record_for(cert.get(), "root", "root");
  pki::db::insert_cert(reg.handle(), rec);
  pki::journal::append(reg.handle(), "init",
                       {{"serial", rec.serial},
                        {"subject", rec.subject},
                        {"key", pki::keys::key_type_name(type)},
                        {"encrypted", !pass.empty()},
                        {"sha256", pki::x509::sha256_fingerprint(cert.get())}});
  // The certificate is written last: its presence marks the home as initialised.
  pki::fs::write_file_atomic(home.root_cert_path(), pki::x509::to_pem(cert.get()), 0644);
  txn.commit();

  nlohmann::json doc = {{"serial", rec.serial},
                        {"subject", rec.subject},
                        {"not_after", pki::rfc3339(rec.not_after)},
                        {"path", home.root_cert_path().string()},
                        {"key", pki::keys::key_type_name(type)},
                        {"encrypted", !pass.empty()}};
  if (pass.empty()) {
    const std::string warning = app::unencrypted_key_warning(home.root_key_path());
    app::note("iot-ca: warning: " + warning);
    doc["warning"] = warning;
  }
  app::emit(common, doc,
            "Root CA created: " + rec.subject + "\n  certificate " +
                home.root_cert_path().string() + "\n  key         " +
                home.root_key_path().string() +
                (pass.empty() ? " (not encrypted)" : " (encrypted)") + "\n  serial      " +
                rec.serial + "\n  valid until " + pki::rfc3339(rec.not_after));
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
  cmd->add_flag("--no-passphrase", opts->no_passphrase,
                "Write the root key unencrypted (the only way to; a warning is printed)")
      ->excludes(pf);
  cmd->callback([&common, opts] { run_init(common, *opts); });
}
