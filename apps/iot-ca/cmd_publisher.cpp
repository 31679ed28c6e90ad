// SPDX-License-Identifier: Apache-2.0
// iot-ca publisher: the key that signs manifest.json (workflows/publisher.hpp).
//   iot-ca publisher                       one home: key + certificate from the root
//   iot-ca publisher --request --out F     issuing home: key, CSR to F ("-": stdout)
//   iot-ca publisher --csr F --out F       root home: sign that CSR
//   iot-ca publisher --import F            issuing home: install the certificate
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "iot-ca/commands.hpp"
#include "workflows/publisher.hpp"

namespace {

struct PublisherOptions {
  bool request = false;
  std::optional<std::filesystem::path> csr;
  std::optional<std::filesystem::path> import;
  std::optional<std::filesystem::path> out;
  std::optional<std::filesystem::path> passphrase_file;
  bool no_passphrase = false;
  bool replace = false;
};

void write_out(const std::filesystem::path& out, const std::string& pem) {
  if (pki::fs::is_stdio(out)) {
    pki::fs::write_stdout(pem);
  } else {
    pki::fs::write_file_atomic(out, pem, 0644);
  }
}

nlohmann::json installed(const app::Common& common, const pki::workflows::NewCa& p,
                         const std::string& what) {
  nlohmann::json doc = new_ca_doc(p);
  app::emit(common, doc,
            what + ": " + p.record.subject + "\n  certificate " + p.cert_path.string() +
                "\n  key         " + p.key_path.string() +
                (p.encrypted ? " (encrypted)" : " (not encrypted)") + "\n  serial      " +
                p.record.serial + "\n  valid until " + pki::rfc3339(p.record.not_after));
  return doc;
}

void run_publisher(const app::Common& common, const PublisherOptions& o) {
  const pki::ca::Home home(common.home);
  const pki::keys::PassphraseSource pass(o.passphrase_file);
  const int modes = int{o.request} + int{o.csr.has_value()} + int{o.import.has_value()};
  if (modes > 1)
    throw pki::Error(pki::Exit::usage, "--request, --csr and --import exclude each other");
  if ((o.request || o.csr) && !o.out) {
    throw pki::Error(pki::Exit::usage, "--out is required with --request and --csr");
  }
  if (o.request) {
    const std::string csr =
        pki::workflows::publisher_request(home, pass, o.no_passphrase, o.replace);
    write_out(*o.out, csr);
    if (!pki::fs::is_stdio(*o.out)) {
      app::emit(common, {{"csr", o.out->string()}},
                "publisher key written; take " + o.out->string() +
                    " to the root home: iot-ca publisher --csr " + o.out->filename().string() +
                    " --out publisher.crt");
    }
    return;
  }
  if (o.csr) {
    const std::string name = pki::fs::is_stdio(*o.csr) ? "standard input" : o.csr->string();
    const std::string cert = pki::workflows::sign_publisher_request(
        home, pass, pki::fs::read_input(*o.csr, pki::fs::kCsrLimit));
    write_out(*o.out, cert);
    if (!pki::fs::is_stdio(*o.out)) {
      app::emit(common, {{"certificate", o.out->string()}},
                "publisher certificate for " + name + " written to " + o.out->string() +
                    "; install it in the issuing home: iot-ca publisher --import " +
                    o.out->filename().string());
    }
    return;
  }
  if (o.import) {
    (void)installed(
        common,
        pki::workflows::import_publisher(home, pki::fs::read_input(*o.import, pki::fs::kCertLimit)),
        "Publisher certificate installed");
    return;
  }
  (void)installed(common,
                  pki::workflows::create_publisher(home, pass, pass, o.no_passphrase, o.replace),
                  "Publisher created");
}

}  // namespace

void add_publisher_command(CLI::App& cli, app::Common& common) {
  auto opts = std::make_shared<PublisherOptions>();
  CLI::App* cmd = cli.add_subcommand(
      "publisher",
      "Create the key that signs manifest.json (certified by the root, publisher profile)");
  cmd->add_flag("--request", opts->request,
                "Issuing home without the root key: write the key and a CSR to --out");
  cmd->add_option("--csr", opts->csr, "Root home: sign this publisher CSR (\"-\": stdin)");
  cmd->add_option("--import", opts->import,
                  "Issuing home: install the certificate the root home signed");
  cmd->add_option("--out", opts->out, "Where --request and --csr write (\"-\": stdout)");
  cmd->add_option("--passphrase-file", opts->passphrase_file,
                  "The root key's passphrase (one home, --csr); also encrypts the new key");
  cmd->add_flag("--no-passphrase", opts->no_passphrase,
                "Write the publisher key unencrypted (only when the home's CA keys are)");
  cmd->add_flag("--replace", opts->replace, "Make a new key and certificate in place of the old");
  cmd->callback([&common, opts] { run_publisher(common, *opts); });
}
