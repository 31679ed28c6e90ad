// SPDX-License-Identifier: Apache-2.0
// The issuing home's side of a root kept in another home (workflows/issuing_split.hpp):
//   iot-ca issuing-request --name N --cn CN   key + CSR in issuing/N/ (no root key here)
//   iot-ca issuing-import --name N --cert F --root F [--root-crl F]
//   iot-ca import-root-crl --crl F            the root CRL of the latest root ceremony
#include <filesystem>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "iot-ca/commands.hpp"
#include "workflows/issuing_split.hpp"
#include "workflows/root_crl.hpp"

namespace {

namespace stdfs = std::filesystem;

struct RequestOptions {
  std::string name;
  std::string cn;
  std::string key = "ec-p384";
  std::optional<stdfs::path> passphrase_file;
  std::string key_uri;
  bool no_passphrase = false;
  stdfs::path out;
};

void run_request(const app::Common& common, const RequestOptions& o) {
  const bool to_stdout = pki::fs::is_stdio(o.out);
  if (to_stdout && common.json) {
    throw pki::Error(
        pki::Exit::usage,
        "--out - writes the CSR to standard output; it cannot be combined with --json");
  }
  const pki::ca::Home home(common.home);
  const pki::keys::KeyType type = pki::keys::parse_key_type(o.key);
  const pki::workflows::IssuingRequest r =
      pki::workflows::issuing_request(home, {o.name, o.cn, type, o.no_passphrase, o.key_uri},
                                      pki::keys::PassphraseSource(o.passphrase_file));
  if (!r.encrypted) app::note("iot-ca: warning: " + app::unencrypted_key_warning(r.key_path));
  if (to_stdout) {
    pki::fs::write_stdout(r.csr_pem);
    return;
  }
  if (!o.out.empty()) pki::fs::write_file_atomic(o.out, r.csr_pem, 0644);
  const stdfs::path shown = o.out.empty() ? r.csr_path : o.out;
  app::emit(common,
            {{"name", o.name},
             {"csr", shown.string()},
             {"key", r.key_uri.empty() ? r.key_path.string() : r.key_uri},
             {"encrypted", r.encrypted}},
            "Request for issuing CA '" + o.name + "' made\n  key " +
                (r.key_uri.empty()
                     ? r.key_path.string() + (r.encrypted ? " (encrypted)" : " (not encrypted)")
                     : r.key_uri + " (in the token)") +
                "\n  CSR " + shown.string() +
                "\n  next: at the root ceremony, iot-ca --home ROOT_HOME intermediate --name " +
                o.name + " --csr ca.csr --out " + o.name +
                ".crt; then here: iot-ca issuing-import --name " + o.name + " --cert " + o.name +
                ".crt --root root.crt --root-crl root-crl.pem");
}

struct ImportOptions {
  std::string name;
  stdfs::path cert;
  stdfs::path root;
  std::optional<stdfs::path> root_crl;
};

void run_import(const app::Common& common, const ImportOptions& o) {
  const pki::ca::Home home(common.home);
  pki::workflows::ImportInputs in;
  in.name = o.name;
  pki::ca::require_ca_name(o.name);
  in.cert_name = o.cert.string();
  in.cert_pem = pki::fs::read_file(o.cert, pki::fs::kCertLimit);
  in.root_name = o.root.string();
  in.root_pem = pki::fs::read_file(o.root, pki::fs::kCertLimit);
  if (o.root_crl) {
    in.root_crl_name = o.root_crl->string();
    in.root_crl = pki::fs::read_file(*o.root_crl, pki::fs::kTrustLimit);
  }
  const pki::workflows::Imported r = pki::workflows::issuing_import(home, in, pki::now_unix());
  nlohmann::json doc = {{"name", o.name},
                        {"serial", r.record.serial},
                        {"subject", r.record.subject},
                        {"not_after", pki::rfc3339(r.record.not_after)},
                        {"path", r.cert_path.string()}};
  if (r.root_crl_number) doc["root_crl_number"] = *r.root_crl_number;
  app::emit(common, doc,
            "Issuing CA '" + o.name + "' installed: " + r.record.subject + "\n  certificate " +
                r.cert_path.string() + "\n  serial      " + r.record.serial + "\n  valid until " +
                pki::rfc3339(r.record.not_after) +
                (r.root_crl_number ? "\n  root CRL #" + std::to_string(*r.root_crl_number)
                                   : std::string("\n  no root CRL yet: iot-ca import-root-crl")));
}

void run_import_crl(const app::Common& common, const stdfs::path& file) {
  const pki::ca::Home home(common.home);
  const std::string name = pki::fs::is_stdio(file) ? "standard input" : file.string();
  const pki::crl::IssuedCrl c = pki::workflows::import_root_crl(
      home, pki::fs::read_input(file, pki::fs::kTrustLimit), name, pki::now_unix());
  app::emit(common,
            {{"crl_number", c.number},
             {"this_update", pki::rfc3339(c.this_update)},
             {"next_update", pki::rfc3339(c.next_update)},
             {"entries", c.entries},
             {"path", home.root_crl_path().string()}},
            "Root CRL #" + std::to_string(c.number) + " kept in " + home.root_crl_path().string() +
                " (" + std::to_string(c.entries) + " revoked, next update " +
                pki::rfc3339(c.next_update) + ")");
}

}  // namespace

void add_issuing_commands(CLI::App& cli, app::Common& common) {
  {
    auto o = std::make_shared<RequestOptions>();
    CLI::App* cmd = cli.add_subcommand(
        "issuing-request", "Make an issuing CA's key and CSR here, for a root in another home");
    cmd->add_option("--name", o->name, "Issuing CA name (directory under issuing/)")->required();
    cmd->add_option("--cn", o->cn, "Issuing CA common name")->required();
    cmd->add_option("--key", o->key, "Key type: ec-p384 (default), ec-p256, rsa4096");
    cmd->add_option("--out", o->out,
                    "Also write the CSR here (- for stdout); it is always kept as "
                    "issuing/NAME/ca.csr");
    auto* pf = cmd->add_option("--passphrase-file", o->passphrase_file,
                               "Encrypt the key with the first line of this file (its own "
                               "passphrase, at least 12 characters); else prompt");
    auto* np = cmd->add_flag("--no-passphrase", o->no_passphrase,
                             "Write the issuing key unencrypted (the only way to; a warning is "
                             "printed)")
                   ->excludes(pf);
    add_key_uri_options(cmd, o->key_uri, o->passphrase_file, {pf, np});
    cmd->callback([&common, o] { run_request(common, *o); });
  }
  {
    auto o = std::make_shared<ImportOptions>();
    CLI::App* cmd = cli.add_subcommand(
        "issuing-import", "Install the certificate the root signed for a pending issuing-request");
    cmd->add_option("--name", o->name, "Issuing CA name (as given to issuing-request)")->required();
    cmd->add_option("--cert", o->cert, "The issuing CA certificate (PEM) from the root home")
        ->required();
    cmd->add_option("--root", o->root, "The root CA certificate (PEM)")->required();
    cmd->add_option("--root-crl", o->root_crl,
                    "The root's CRL from the root ceremony (PEM or DER), kept for iot-ca export");
    cmd->callback([&common, o] { run_import(common, *o); });
  }
  {
    auto file = std::make_shared<stdfs::path>();
    CLI::App* cmd = cli.add_subcommand(
        "import-root-crl", "Keep the root CRL signed at a root ceremony, for iot-ca export");
    cmd->add_option("--crl", *file, "The root CRL (PEM or DER); - for stdin")->required();
    cmd->callback([&common, file] { run_import_crl(common, *file); });
  }
}
