// SPDX-License-Identifier: Apache-2.0
// iot-provision enroll: redeem a token for the device certificate of a CSR (the
// workflow is workflows/enroll.hpp; --batch is enroll_batch.cpp).
#include "ca/home.hpp"
#include "ca/issue.hpp"
#include "common/records.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "iot-provision/commands.hpp"
#include "workflows/enroll.hpp"

namespace {

struct EnrollOptions {
  std::optional<std::filesystem::path> token_file;
  std::string token;  // only "-" (stdin) is accepted: a token never goes in argv
  std::filesystem::path csr;
  std::filesystem::path out;
  bool chain = false;
  bool force = false;
  std::optional<std::filesystem::path> batch;
  std::optional<std::filesystem::path> csr_dir;
  std::filesystem::path out_dir;
  std::optional<std::filesystem::path> report;
  unsigned jobs = 1;
  std::string ca;
  std::optional<std::filesystem::path> passphrase_file;
};

pki::token::Token read_token(const EnrollOptions& o) {
  pki::Secret text = o.token_file ? prov::read_secret(*o.token_file, pki::fs::kTokenLimit)
                                  : pki::fs::read_stdin_secret();
  return pki::token::parse(text.view());
}

void run_single(const app::Common& common, const EnrollOptions& o) {
  if (o.token_file.has_value() == !o.token.empty()) {
    throw pki::Error(pki::Exit::usage, "enroll needs exactly one of --token-file F or --token -");
  }
  if (!o.token.empty() && o.token != "-") {
    // Do not echo the value: it may be a real token typed on the command line.
    throw pki::Error(pki::Exit::usage,
                     "--token only takes '-' (read standard input); a token on the command "
                     "line would leak through the process list and shell history");
  }
  if (o.csr.empty() || o.out.empty())
    throw pki::Error(pki::Exit::usage, "enroll needs --csr and --out");
  if (o.token == "-" && pki::fs::is_stdio(o.csr)) {
    throw pki::Error(pki::Exit::usage, "--token - and --csr - cannot both read standard input");
  }
  const bool to_stdout = pki::fs::is_stdio(o.out);
  if (to_stdout && common.json) {
    throw pki::Error(pki::Exit::usage,
                     "--out - writes the certificate to standard output; it cannot be combined "
                     "with --json");
  }
  const pki::ca::Home home(common.home);
  home.require_initialised();
  const pki::config::Settings settings = home.settings();
  const pki::token::Token token = read_token(o);
  prov::require_writable_output(o.out, o.force);
  const pki::x509::Csr csr = pki::workflows::parse_device_csr(
      pki::fs::read_input(o.csr, pki::fs::kCsrLimit),
      pki::fs::is_stdio(o.csr) ? "standard input" : o.csr.string());

  const auto db = home.open_store();
  const pki::store::TokenRow row = pki::workflows::authorise(*db, token, csr, settings.argon2);
  const pki::x509::Signer signer = home.load_ca(o.ca.empty() ? home.default_signer_name() : o.ca,
                                                pki::keys::PassphraseSource(o.passphrase_file));
  pki::workflows::RedeemOptions ro;
  ro.chain = o.chain ? pki::ca::chain_pem(signer, home.root_cert().get()) : "";
  // `--out -` prints after COMMIT: a certificate on stdout cannot be taken back.
  if (!to_stdout) ro.out_file = o.out;
  const pki::workflows::Redeemed r =
      pki::workflows::redeem(*db, row, csr, signer, settings, pki::now_unix(), ro);
  if (to_stdout) {
    pki::fs::write_stdout(r.record.pem + ro.chain);
    app::note("iot-provision: enrolled " + r.record.device_id + ": certificate " + r.record.serial +
              " (signed by " + signer.name + ") written to standard output");
    return;
  }
  nlohmann::json doc = app::cert_json(r.record, pki::now_unix());
  doc["path"] = o.out.string();
  app::emit(common, doc,
            "Enrolled " + r.record.device_id + ": certificate " + r.record.serial + " (signed by " +
                signer.name + ") written to " + o.out.string());
}

}  // namespace

void add_enroll_command(CLI::App& cli, app::Common& common) {
  auto o = std::make_shared<EnrollOptions>();
  CLI::App* cmd = cli.add_subcommand(
      "enroll", "Redeem a token for a device certificate (one device, or a batch manifest)");
  auto* tf = cmd->add_option("--token-file", o->token_file, "File holding the token");
  auto* ts =
      cmd->add_option("--token", o->token, "'-' reads the token from standard input")->excludes(tf);
  auto* csr = cmd->add_option("--csr", o->csr, "The device's CSR (PEM or DER); - for stdin");
  auto* out =
      cmd->add_option("--out", o->out, "Where to write the certificate (PEM); - for stdout");
  cmd->add_flag("--chain", o->chain, "Append the CA chain to the certificate file(s)");
  cmd->add_flag("--force", o->force, "Replace an existing --out file");
  auto* batch = cmd->add_option("--batch", o->batch,
                                "Manifest CSV (token,csr_path), or with --csr-dir the token file "
                                "of token --batch (device_id,token,expires_at)")
                    ->excludes(tf)
                    ->excludes(ts)
                    ->excludes(csr)
                    ->excludes(out);
  cmd->add_option("--csr-dir", o->csr_dir,
                  "Folder of <device_id>.csr files for a --batch token file")
      ->needs(batch);
  cmd->add_option("--out-dir", o->out_dir, "Folder for <device-id>.crt files (--batch)")
      ->needs(batch);
  cmd->add_option("--report", o->report, "Report CSV (--batch; default OUT_DIR/report.csv)")
      ->needs(batch);
  cmd->add_option("--jobs", o->jobs, "Parallel workers (--batch; default 1)")
      ->check(CLI::Range(1, 64))
      ->needs(batch);
  cmd->add_option("--ca", o->ca, "Signing CA: 'root' or an issuing CA (default: newest issuing)");
  cmd->add_option("--passphrase-file", o->passphrase_file, "CA key passphrase (first line)");
  cmd->callback([&common, o] {
    if (!o->batch) {
      run_single(common, *o);
      return;
    }
    if (o->out_dir.empty())
      throw pki::Error(pki::Exit::usage, "enroll --batch needs --out-dir DIR");
    prov::run_enroll_batch(
        common, prov::BatchOptions{*o->batch, o->csr_dir, o->out_dir, o->report, o->jobs, o->ca,
                                   o->chain, o->passphrase_file});
  });
}
