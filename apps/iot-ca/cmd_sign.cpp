// SPDX-License-Identifier: Apache-2.0
// iot-ca sign: a CSR → a certificate of the chosen profile. The profile decides the
// subject and extensions; of the CSR only the CN and the public key are used.
#include <algorithm>
#include <filesystem>

#include "ca/home.hpp"
#include "common/records.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "iot-ca/commands.hpp"
#include "workflows/sign.hpp"
#include "x509/csr.hpp"
#include "x509/pem.hpp"

namespace {

struct SignOptions {
  std::filesystem::path csr;
  std::string profile;
  std::int64_t days = 0;
  std::string san;
  std::filesystem::path out;
  std::string ca;
  bool chain = false;
  bool force = false;
  std::optional<std::filesystem::path> passphrase_file;
};

// "" when `days` from `now` fits inside the CA's validity. Past it: an explicit request
// is a usage error naming the most that fits; a default is cut, and the warning says so.
std::string validity_warning(const pki::x509::Signer& ca, std::int64_t days, bool explicit_days,
                             std::int64_t now) {
  const std::int64_t ca_end = pki::x509::to_unix(::X509_get0_notAfter(ca.cert.get()));
  if (now + days * 86400 <= ca_end) return "";
  const std::int64_t fits = std::max<std::int64_t>(0, (ca_end - now) / 86400);
  const std::string why = std::to_string(days) + " days pass the expiry of CA '" + ca.name + "' (" +
                          pki::rfc3339(ca_end) + "), " + std::to_string(fits) + " days from now";
  if (explicit_days) {
    throw pki::Error(pki::Exit::usage, "--days " + why + "; ask for at most --days " +
                                           std::to_string(fits) + ", or renew the CA first");
  }
  return "the profile's " + why + ": the certificate ends with the CA";
}

std::int64_t profile_days(pki::x509::Profile p, const pki::config::Settings& s) {
  switch (p) {
    case pki::x509::Profile::device:
      return s.device_days;
    case pki::x509::Profile::server:
      return s.server_days;
    case pki::x509::Profile::admin:
      return s.admin_days;
  }
  return s.device_days;
}

void run_sign(const app::Common& common, const SignOptions& o) {
  const pki::ca::Home home(common.home);
  const pki::x509::Profile profile = pki::x509::parse_profile(o.profile);
  pki::x509::LeafSpec spec{profile, {}, {}, 0};
  if (!o.san.empty()) {
    if (profile != pki::x509::Profile::server) {
      throw pki::Error(pki::Exit::usage, "--san is only for the server profile");
    }
    spec.sans = pki::x509::parse_sans(o.san);
  }
  const bool to_stdout = pki::fs::is_stdio(o.out);
  if (to_stdout && common.json) {
    throw pki::Error(pki::Exit::usage,
                     "--out - writes the certificate to standard output; it cannot be combined "
                     "with --json");
  }
  std::error_code ec;
  if (!to_stdout && !o.force && std::filesystem::exists(o.out, ec)) {
    throw pki::Error(pki::Exit::cant_create,
                     o.out.string() + " already exists (use --force to replace it)");
  }
  home.require_initialised();
  const std::string csr_name = pki::fs::is_stdio(o.csr) ? "standard input" : o.csr.string();
  const pki::x509::Csr csr =
      pki::x509::parse_csr(pki::fs::read_input(o.csr, pki::fs::kCsrLimit), csr_name);
  spec.common_name = csr.common_name;
  if (spec.common_name.empty())
    throw pki::Error(pki::Exit::data, csr_name + ": the request has no CN");
  const pki::config::Settings settings = home.settings();
  spec.days = o.days > 0 ? o.days : profile_days(profile, settings);

  const auto db = home.open_store();
  const pki::x509::Signer signer = home.load_ca(o.ca.empty() ? home.default_signer_name() : o.ca,
                                                pki::keys::PassphraseSource(o.passphrase_file));
  // The leaf never outlives its CA (x509::make_leaf cuts it). An explicit --days past the
  // CA's expiry is refused; a profile default past it is cut, with a warning.
  const std::string warning = validity_warning(signer, spec.days, o.days > 0, pki::now_unix());
  const std::string chain = o.chain ? pki::ca::chain_pem(signer, home.root_cert().get()) : "";
  // A certificate on stdout cannot be taken back: it is printed after COMMIT.
  const pki::ca::Issued issued =
      pki::workflows::sign(*db, signer, ::X509_REQ_get0_pubkey(csr.req.get()), spec, settings,
                           to_stdout ? std::nullopt : std::optional(o.out), chain);
  if (!warning.empty()) app::note("iot-ca: warning: " + warning);
  if (to_stdout) {
    pki::fs::write_stdout(issued.record.pem + chain);
    app::note("iot-ca: issued " + issued.record.profile + " certificate " + issued.record.serial +
              " for " + issued.record.subject + " (signed by " + signer.name + ")");
    return;
  }

  nlohmann::json doc = app::cert_json(issued.record, pki::now_unix());
  doc["path"] = o.out.string();
  if (!warning.empty()) doc["warning"] = warning;
  app::emit(common, doc,
            "Issued " + issued.record.profile + " certificate " + issued.record.serial + " for " +
                issued.record.subject + " (signed by " + signer.name + ")\n  written to " +
                o.out.string());
}

}  // namespace

void add_sign_command(CLI::App& cli, app::Common& common) {
  auto opts = std::make_shared<SignOptions>();
  CLI::App* cmd = cli.add_subcommand("sign", "Sign a CSR with a profile: device, server or admin");
  cmd->add_option("--csr", opts->csr, "The certificate signing request (PEM or DER); - for stdin")
      ->required();
  cmd->add_option("--profile", opts->profile, "device | server | admin")->required();
  cmd->add_option("--days", opts->days, "Validity in days (default per profile from settings)")
      ->check(CLI::Range(1, 36500));
  cmd->add_option("--san", opts->san, "Server names: DNS:name,IP:addr (server profile)");
  cmd->add_option("--out", opts->out, "Where to write the certificate (PEM); - for stdout")
      ->required();
  cmd->add_option("--ca", opts->ca,
                  "Signing CA: 'root' or an issuing CA name (default: newest issuing CA)");
  cmd->add_flag("--chain", opts->chain, "Append the CA chain to the output");
  cmd->add_flag("--force", opts->force, "Replace an existing output file");
  cmd->add_option("--passphrase-file", opts->passphrase_file, "CA key passphrase (first line)");
  cmd->callback([&common, opts] { run_sign(common, *opts); });
}
