// SPDX-License-Identifier: Apache-2.0
// iot-revoke crl: signs a fresh X.509 v2 CRL of one CA and writes it atomically.
// The CRL Number is committed to the registry before the file is written, so it is
// never reused, even when this process dies half-way.
#include <filesystem>
#include <memory>
#include <optional>

#include "ca/home.hpp"
#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "crl/builder.hpp"
#include "crl/issue.hpp"
#include "crl/output.hpp"
#include "fsutil/files.hpp"
#include "iot-revoke/commands.hpp"
#include "registry/sqlite.hpp"

namespace {

namespace stdfs = std::filesystem;

struct CrlOptions {
  std::string ca;
  std::int64_t days = 0;
  std::string format = "pem";
  stdfs::path out;
  std::optional<stdfs::path> passphrase_file;
};

stdfs::path output_dir(const stdfs::path& out) {
  const stdfs::path dir = out.has_parent_path() ? out.parent_path() : stdfs::path(".");
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec)) {
    throw pki::Error(pki::Exit::cant_create,
                     "cannot write " + out.string() + ": " + dir.string() + " is not a directory");
  }
  if (stdfs::is_directory(out, ec)) {
    throw pki::Error(pki::Exit::cant_create,
                     "cannot write " + out.string() + ": it is a directory");
  }
  return dir;
}

// The CRL Number is committed (spent) before any output carries it.
pki::crl::IssuedCrl issue(const pki::ca::Home& home, const pki::x509::Signer& ca,
                          std::int64_t days) {
  auto reg = home.open_registry();
  pki::db::WriteTxn txn(reg.handle());
  pki::crl::IssuedCrl crl = pki::crl::issue_crl(reg.handle(), ca, pki::now_unix(), days);
  txn.commit();
  return crl;
}

void run_crl(const app::Common& common, const CrlOptions& o) {
  const pki::ca::Home home(common.home);
  home.require_initialised();
  const std::string name = o.ca.empty() ? home.default_signer_name() : o.ca;
  if (name != "root") pki::ca::require_ca_name(name);
  const std::int64_t days = o.days > 0 ? o.days : home.settings().crl_days;
  const bool to_stdout = pki::fs::is_stdio(o.out);
  if (to_stdout && common.json) {
    throw pki::Error(
        pki::Exit::usage,
        "--out - writes the CRL to standard output; it cannot be combined with --json");
  }
  const pki::x509::Signer ca = home.load_ca(name, pki::keys::PassphraseSource(o.passphrase_file));
  if (to_stdout) {
    const pki::crl::IssuedCrl crl = issue(home, ca, days);
    pki::fs::write_stdout(o.format == "pem" ? pki::crl::der_to_pem(crl.der) : crl.der);
    app::note("iot-revoke: CRL #" + std::to_string(crl.number) + " of CA '" + crl.ca + "' with " +
              std::to_string(crl.entries) + " revoked certificate(s) written to standard output");
    return;
  }
  const stdfs::path dir = output_dir(o.out);
  const pki::crl::PublishLock lock(dir);
  pki::crl::IssuedCrl crl = issue(home, ca, days);

  std::string data = std::move(crl.der);
  if (o.format == "pem") data = pki::crl::der_to_pem(data);
  pki::crl::remove_stale_temps(dir, o.out.filename().string());
  pki::fs::write_file_atomic(o.out, data, 0644);

  app::emit(common,
            {{"ca", crl.ca},
             {"crl_number", crl.number},
             {"this_update", pki::rfc3339(crl.this_update)},
             {"next_update", pki::rfc3339(crl.next_update)},
             {"entries", crl.entries},
             {"format", o.format},
             {"path", o.out.string()},
             {"sha256", pki::sha256_hex(data)}},
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
  cmd->add_option("--days", opts->days, "Validity (nextUpdate) in days (default: crl_days)")
      ->check(CLI::Range(1, 3650));
  cmd->add_option("--format", opts->format, "pem (default) or der")
      ->check(CLI::IsMember({"pem", "der"}));
  cmd->add_option("--out", opts->out, "Output file (replaced atomically); - for stdout")
      ->required();
  cmd->add_option("--passphrase-file", opts->passphrase_file,
                  "File whose first line is the CA key's passphrase (else a prompt)");
  cmd->callback([&common, opts] { run_crl(common, *opts); });
}
