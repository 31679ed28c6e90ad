// SPDX-License-Identifier: Apache-2.0
// iot-ca intermediate: an issuing CA signed by the root, pathLenConstraint 0.
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
  home.require_initialised();
  const std::filesystem::path dir = home.issuing_dir(o.name);
  std::error_code ec;
  if (std::filesystem::exists(dir / "ca.crt", ec)) {
    throw pki::Error(pki::Exit::cant_create,
                     "issuing CA '" + o.name + "' already exists in " + dir.string());
  }
  const pki::config::Settings settings = home.settings();
  auto reg = home.open_registry();
  const pki::keys::PassphraseSource source(o.passphrase_file);
  // The issuing key is protected like the root: same passphrase file, or a new prompt.
  // Asked first, so a passphrase too weak for a new key is refused (65) before the root
  // key is opened with it.
  const pki::Secret pass = source.for_new_key(o.no_passphrase);
  const pki::x509::Signer root = home.load_root(source);
  const pki::PkeyPtr key = pki::keys::generate(type);
  const std::int64_t days = o.days > 0 ? o.days : settings.issuing_days;
  const pki::X509Ptr cert =
      pki::x509::make_issuing(root, key.get(), o.cn, settings.organisation, days);

  pki::fs::ensure_private_dir(dir);
  pki::keys::write_private_key(dir / "ca.key", key.get(), pass);
  pki::db::WriteTxn txn(reg.handle());
  const auto rec = pki::db::record_for(cert.get(), "issuing", "root");
  pki::db::insert_cert(reg.handle(), rec);
  pki::journal::append(reg.handle(), "intermediate",
                       {{"name", o.name},
                        {"serial", rec.serial},
                        {"subject", rec.subject},
                        {"key", pki::keys::key_type_name(type)},
                        {"sha256", pki::x509::sha256_fingerprint(cert.get())}});
  pki::fs::write_file_atomic(dir / "ca.crt", pki::x509::to_pem(cert.get()), 0644);
  txn.commit();

  nlohmann::json doc = {{"name", o.name},
                        {"serial", rec.serial},
                        {"subject", rec.subject},
                        {"not_after", pki::rfc3339(rec.not_after)},
                        {"path", (dir / "ca.crt").string()},
                        {"encrypted", !pass.empty()}};
  if (pass.empty()) {
    const std::string warning = app::unencrypted_key_warning(dir / "ca.key");
    app::note("iot-ca: warning: " + warning);
    doc["warning"] = warning;
  }
  app::emit(common, doc,
            "Issuing CA '" + o.name + "' created: " + rec.subject + "\n  certificate " +
                (dir / "ca.crt").string() + "\n  serial      " + rec.serial + "\n  valid until " +
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
