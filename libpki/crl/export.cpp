// SPDX-License-Identifier: Apache-2.0
#include "crl/export.hpp"

#include <vector>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "crl/builder.hpp"
#include "crl/issue.hpp"
#include "crl/output.hpp"
#include "fsutil/files.hpp"
#include "journal/journal.hpp"
#include "registry/sqlite.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::crl {
namespace {

constexpr mode_t kPublicFile = 0644;

// The directory a gateway (another user) reads: 0755 when this creates it.
void prepare_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec) && !ec) {
    std::filesystem::permissions(dir, std::filesystem::perms(0755), ec);
  }
  if (ec || !std::filesystem::is_directory(dir, ec)) {
    throw Error(Exit::cant_create,
                "cannot create the output directory " + dir.string() +
                    (ec ? ": " + ec.message() : std::string(": not a directory")));
  }
}

std::vector<x509::Signer> load_all_cas(const ca::Home& home, const keys::PassphraseSource& pass) {
  std::vector<x509::Signer> cas;
  cas.push_back(home.load_ca("root", pass));
  for (const auto& name : home.issuing_names()) cas.push_back(home.load_ca(name, pass));
  return cas;
}

nlohmann::json file_entry(std::string_view name, std::string_view data) {
  return {{"name", name}, {"size", data.size()}, {"sha256", sha256_hex(data)}};
}

}  // namespace

nlohmann::json export_trust(const ca::Home& home, const keys::PassphraseSource& pass,
                            const std::filesystem::path& out_dir, std::int64_t now) {
  home.require_initialised();
  const config::Settings settings = home.settings();
  const std::vector<x509::Signer> cas = load_all_cas(home, pass);
  prepare_dir(out_dir);
  const PublishLock lock(out_dir);

  auto reg = home.open_registry();
  std::vector<IssuedCrl> crls;
  {
    db::WriteTxn txn(reg.handle());
    nlohmann::json numbers = nlohmann::json::object();
    for (const auto& ca : cas) {
      crls.push_back(issue_crl(reg.handle(), ca, now, settings.crl_days));
      numbers[ca.name] = crls.back().number;
    }
    journal::append(reg.handle(), "export", {{"out", out_dir.string()}, {"crl_numbers", numbers}});
    txn.commit();  // the numbers are spent before any file names them
  }

  std::string bundle;
  std::string crl_pem;
  nlohmann::json ca_docs = nlohmann::json::array();
  std::int64_t earliest_next = 0;
  for (std::size_t i = 0; i < cas.size(); ++i) {
    bundle += x509::to_pem(cas[i].cert.get());
    IssuedCrl& c = crls[i];
    crl_pem += der_to_pem(c.der);
    std::string().swap(c.der);  // keep one copy of a large CRL in memory, not two
    ca_docs.push_back({{"name", c.ca},
                       {"subject", x509::one_line(::X509_get_subject_name(cas[i].cert.get()))},
                       {"cert_sha256", x509::sha256_fingerprint(cas[i].cert.get())},
                       {"crl_number", c.number},
                       {"this_update", rfc3339(c.this_update)},
                       {"next_update", rfc3339(c.next_update)},
                       {"entries", c.entries},
                       {"crl_der_sha256", c.sha256}});
    earliest_next = earliest_next == 0 ? c.next_update : std::min(earliest_next, c.next_update);
  }
  const nlohmann::json manifest = {
      {"format", "iot-pki-trust/1"},
      {"generated_at", rfc3339(now)},
      {"next_update", rfc3339(earliest_next)},
      {"files", {file_entry(kBundleName, bundle), file_entry(kCrlName, crl_pem)}},
      {"cas", ca_docs},
  };

  for (const auto name : {kBundleName, kCrlName, kManifestName}) remove_stale_temps(out_dir, name);
  fs::write_file_atomic(out_dir / kBundleName, bundle, kPublicFile);
  fs::write_file_atomic(out_dir / kCrlName, crl_pem, kPublicFile);
  fs::write_file_atomic(out_dir / kManifestName, manifest.dump(2) + "\n", kPublicFile);
  return manifest;
}

}  // namespace pki::crl
