// SPDX-License-Identifier: Apache-2.0
// iot-ca intermediate: an issuing CA signed by the root, pathLenConstraint 0 — made here
// (key and certificate in this home), or with --csr from a request made in another home
// by iot-ca issuing-request (workflows/issuing_split.hpp).
#include <filesystem>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "iot-ca/commands.hpp"
#include "workflows/init_ca.hpp"
#include "workflows/issuing_split.hpp"

namespace {

struct IntermediateOptions {
  std::string name;
  std::string cn;
  std::string key = "ec-p384";
  std::int64_t days = 0;
  std::optional<std::filesystem::path> passphrase_file;
  std::optional<std::filesystem::path> root_passphrase_file;
  std::optional<std::filesystem::path> csr;
  std::filesystem::path out = "-";
  std::string key_uri;
  bool no_passphrase = false;
  bool key_given = false;
};

pki::keys::PassphraseSource root_source(const IntermediateOptions& o) {
  return pki::keys::PassphraseSource(o.root_passphrase_file ? o.root_passphrase_file
                                                            : o.passphrase_file);
}

// --csr: sign a request made in another home; the certificate goes to --out.
void run_from_csr(const app::Common& common, const IntermediateOptions& o) {
  if (o.no_passphrase || o.key_given || !o.key_uri.empty()) {
    throw pki::Error(pki::Exit::usage,
                     "--key, --key-uri and --no-passphrase make a key here; with --csr the key "
                     "was made in the issuing home");
  }
  const bool to_stdout = pki::fs::is_stdio(o.out);
  if (to_stdout && common.json) {
    throw pki::Error(pki::Exit::usage,
                     "--out - writes the certificate to standard output; it cannot be combined "
                     "with --json");
  }
  std::error_code ec;
  if (!to_stdout && std::filesystem::exists(o.out, ec)) {
    throw pki::Error(pki::Exit::cant_create, o.out.string() + " already exists");
  }
  const pki::ca::Home home(common.home);
  home.require_initialised();
  const std::string csr_name = pki::fs::is_stdio(*o.csr) ? "standard input" : o.csr->string();
  const std::string csr = pki::fs::read_input(*o.csr, pki::fs::kCsrLimit);
  const pki::workflows::SignedIssuing s =
      pki::workflows::sign_issuing_csr(home, {o.name, o.cn, o.days}, csr, csr_name, root_source(o),
                                       to_stdout ? std::nullopt : std::optional(o.out));
  if (to_stdout) {
    pki::fs::write_stdout(s.pem);
    app::note("iot-ca: issuing CA '" + o.name + "' signed: " + s.record.subject + ", serial " +
              s.record.serial);
    return;
  }
  app::emit(common,
            {{"name", o.name},
             {"serial", s.record.serial},
             {"subject", s.record.subject},
             {"not_after", pki::rfc3339(s.record.not_after)},
             {"path", o.out.string()}},
            "Issuing CA '" + o.name + "' signed from " + csr_name + ": " + s.record.subject +
                "\n  certificate " + o.out.string() + " (take it, " +
                "root/ca.crt and the root CRL to the issuing home: iot-ca issuing-import)" +
                "\n  serial      " + s.record.serial + "\n  valid until " +
                pki::rfc3339(s.record.not_after));
}

void run_intermediate(const app::Common& common, const IntermediateOptions& o) {
  pki::ca::require_ca_name(o.name);
  if (o.csr) return run_from_csr(common, o);
  if (o.cn.empty()) throw pki::Error(pki::Exit::usage, "--cn is required (unless --csr is given)");
  if (o.out != "-") throw pki::Error(pki::Exit::usage, "--out goes with --csr");
  const pki::ca::Home home(common.home);
  const pki::keys::KeyType type = pki::keys::parse_key_type(o.key);
  const pki::workflows::NewCa ca = pki::workflows::create_issuing(
      home, {o.name, o.cn, type, o.days, o.no_passphrase, o.key_uri},
      pki::keys::PassphraseSource(o.passphrase_file), root_source(o));
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
  cmd->add_option("--cn", opts->cn,
                  "Issuing CA common name (required; with --csr the CSR's CN by default)");
  cmd->add_option("--key", opts->key, "Key type: ec-p384 (default), ec-p256, rsa4096")
      ->each([o = opts.get()](const std::string&) { o->key_given = true; });
  cmd->add_option("--days", opts->days, "Validity in days (default from settings: 1825)")
      ->check(CLI::Range(1, 36500));
  cmd->add_option("--csr", opts->csr,
                  "Sign this request (PEM or DER; - for stdin) made by iot-ca issuing-request "
                  "in another home; no key is made here");
  cmd->add_option("--out", opts->out,
                  "With --csr: where the certificate goes (PEM; - for stdout, the default)");
  auto* pf = cmd->add_option("--passphrase-file", opts->passphrase_file,
                             "Encrypts the new key (at least 12 characters); also the root "
                             "key's passphrase (or token PIN) unless --root-passphrase-file is "
                             "given");
  cmd->add_option("--root-passphrase-file", opts->root_passphrase_file,
                  "The root key's own passphrase (or token PIN), when it differs from the new "
                  "key's");
  auto* np =
      cmd->add_flag("--no-passphrase", opts->no_passphrase,
                    "Write the issuing key unencrypted (the only way to; a warning is printed)");
  add_key_uri_options(cmd, opts->key_uri, opts->passphrase_file, {pf, np});
  cmd->callback([&common, opts] { run_intermediate(common, *opts); });
}
