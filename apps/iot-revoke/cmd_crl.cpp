// SPDX-License-Identifier: Apache-2.0
// iot-revoke crl: signs a fresh X.509 v2 CRL of one CA and writes it atomically
// (workflows/publish.hpp: the CRL Number is committed before the file is written).
// `--ca root` is the root ceremony's CRL: also kept as HOME/root/crl.pem, which
// iot-ca export reuses while it is valid (workflows/root_crl.hpp).
#include <filesystem>
#include <memory>
#include <optional>

#include "ca/home.hpp"
#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "iot-revoke/commands.hpp"
#include "workflows/publish.hpp"

namespace {

namespace stdfs = std::filesystem;

struct CrlOptions {
  std::string ca;
  std::int64_t days = 0;
  std::string format = "pem";
  stdfs::path out;
  std::optional<stdfs::path> passphrase_file;
};

void run_crl(const app::Common& common, const CrlOptions& o) {
  const pki::ca::Home home(common.home);
  home.require_initialised();
  const std::string name = o.ca.empty() ? home.default_signer_name() : o.ca;
  if (name != "root") pki::ca::require_ca_name(name);
  const pki::config::Settings settings = home.settings();
  const std::int64_t days = o.days > 0 ? o.days : settings.crl_days_for(name);
  if (o.days == 0) {
    for (const auto& w : settings.crl_tables_without_ca(home.issuing_names()))
      app::note("iot-revoke: warning: " + w);
  }
  const bool to_stdout = pki::fs::is_stdio(o.out);
  if (to_stdout && common.json) {
    throw pki::Error(
        pki::Exit::usage,
        "--out - writes the CRL to standard output; it cannot be combined with --json");
  }
  const pki::x509::Signer ca = home.load_ca(name, pki::keys::PassphraseSource(o.passphrase_file));
  const pki::workflows::PublishedCrl p =
      pki::workflows::publish_crl(home, ca, days, o.format == "pem",
                                  to_stdout ? std::nullopt : std::optional(o.out), pki::now_unix());
  const pki::crl::IssuedCrl& crl = p.crl;
  if (to_stdout) {
    pki::fs::write_stdout(p.data);
    app::note("iot-revoke: CRL #" + std::to_string(crl.number) + " of CA '" + crl.ca + "' with " +
              std::to_string(crl.entries) + " revoked certificate(s) written to standard output");
    return;
  }
  app::emit(common,
            {{"ca", crl.ca},
             {"crl_number", crl.number},
             {"this_update", pki::rfc3339(crl.this_update)},
             {"next_update", pki::rfc3339(crl.next_update)},
             {"entries", crl.entries},
             {"format", o.format},
             {"path", o.out.string()},
             {"sha256", pki::sha256_hex(p.data)}},
            "CRL #" + std::to_string(crl.number) + " of CA '" + crl.ca + "' with " +
                std::to_string(crl.entries) + " revoked certificate(s) written to " +
                o.out.string() + " (next update " + pki::rfc3339(crl.next_update) + ")");
}

}  // namespace

void add_crl_command(CLI::App& cli, app::Common& common) {
  auto opts = std::make_shared<CrlOptions>();
  CLI::App* cmd = cli.add_subcommand("crl", "Sign and write a fresh X.509 v2 CRL of one CA");
  cmd->add_option("--ca", opts->ca,
                  "CA name: root or an issuing CA (default: the CA that signs enrollments)");
  cmd->add_option(
         "--days", opts->days,
         "Validity (nextUpdate) in days (default: [crl.root] / [crl.issuing] / [crl.NAME] days)")
      ->check(CLI::Range(1, 3650));
  cmd->add_option("--format", opts->format, "pem (default) or der")
      ->check(CLI::IsMember({"pem", "der"}));
  cmd->add_option("--out", opts->out, "Output file (replaced atomically); - for stdout")
      ->required();
  cmd->add_option("--passphrase-file", opts->passphrase_file,
                  "File whose first line is the CA key's passphrase (else a prompt)");
  cmd->callback([&common, opts] { run_crl(common, *opts); });
}
