// SPDX-License-Identifier: Apache-2.0
#include "workflows/publish.hpp"

#include <vector>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "crl/builder.hpp"
#include "crl/output.hpp"
#include "fsutil/files.hpp"
#include "journal/journal.hpp"
#include "trustsign/publisher.hpp"
#include "workflows/publish_der.hpp"
#include "workflows/publish_log.hpp"
#include "workflows/publisher.hpp"
#include "workflows/root_crl.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::workflows {
namespace {

namespace stdfs = std::filesystem;

constexpr mode_t kPublicFile = 0644;

// The directory a gateway (another user) reads: 0755 when this creates it.
void prepare_dir(const stdfs::path& dir) {
  std::error_code ec;
  if (stdfs::create_directories(dir, ec) && !ec) {
    stdfs::permissions(dir, stdfs::perms(0755), ec);
  }
  if (ec || !stdfs::is_directory(dir, ec)) {
    throw Error(Exit::cant_create,
                "cannot create the output directory " + dir.string() +
                    (ec ? ": " + ec.message() : std::string(": not a directory")));
  }
}

// The folder of an output file, which must exist.
stdfs::path output_dir(const stdfs::path& out) {
  const stdfs::path dir = out.has_parent_path() ? out.parent_path() : stdfs::path(".");
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec)) {
    throw Error(Exit::cant_create,
                "cannot write " + out.string() + ": " + dir.string() + " is not a directory");
  }
  if (stdfs::is_directory(out, ec)) {
    throw Error(Exit::cant_create, "cannot write " + out.string() + ": it is a directory");
  }
  return dir;
}

// The CRLs of `cas` in one committed transaction, with `journal_extra` (e.g. the export
// record) in the same one: the numbers are spent before any file names them.
std::vector<crl::IssuedCrl> issue_committed(
    const ca::Home& home, const std::vector<const x509::Signer*>& cas, std::int64_t now,
    const std::function<std::int64_t(std::string_view)>& days_for,
    const std::function<void(store::Store&, const std::vector<crl::IssuedCrl>&)>& journal_extra =
        {}) {
  const auto db = home.open_store();
  return db->in_transaction([&] {
    std::vector<crl::IssuedCrl> crls;
    for (const x509::Signer* ca : cas)
      crls.push_back(crl::issue_crl(*db, *ca, now, days_for(ca->name)));
    if (journal_extra) journal_extra(*db, crls);
    return crls;
  });
}

void write_public(const stdfs::path& dir, std::string_view name, std::string_view data) {
  fs::write_file_atomic(dir / name, data, kPublicFile);
}

nlohmann::json file_entry(std::string_view name, std::string_view data) {
  return {{"name", name}, {"size", data.size()}, {"sha256", sha256_hex(data)}};
}

}  // namespace

PublishedCrl publish_crl(const ca::Home& home, const x509::Signer& ca, std::int64_t days, bool pem,
                         const std::optional<stdfs::path>& out, std::int64_t now) {
  std::optional<crl::PublishLock> lock;
  stdfs::path dir;
  if (out) {
    dir = output_dir(*out);
    lock.emplace(dir);
  }
  PublishedCrl p{
      std::move(
          issue_committed(home, {&ca}, now, [days](std::string_view) { return days; }).front()),
      {}};
  if (ca.name == "root") keep_root_crl(home, p.crl.der);  // where export finds it
  p.data = std::move(p.crl.der);
  if (pem) p.data = crl::der_to_pem(p.data);
  if (out) {
    fs::remove_stale_temps(dir, out->filename().string());
    fs::write_file_atomic(*out, p.data, kPublicFile);
  }
  return p;
}

nlohmann::json export_trust(const ca::Home& home, const keys::PassphraseSource& pass,
                            const stdfs::path& out_dir, std::int64_t now) {
  return export_trust(home, pass, pass, out_dir, now);
}

nlohmann::json export_trust(const ca::Home& home, const keys::PassphraseSource& pass,
                            const keys::PassphraseSource& root_pass, const stdfs::path& out_dir,
                            std::int64_t now) {
  home.require_initialised();
  const config::Settings settings = home.settings();
  // The root's CRL is reused while valid (workflows/root_crl.hpp): its key is opened
  // only when a fresh one must be signed, and only the root key's own passphrase.
  RootCrlPlan root_plan = plan_root_crl(home, now);
  std::vector<X509Ptr> certs;  // the bundle: root, then every issuing CA
  std::vector<x509::Signer> cas;
  if (root_plan.sign) cas.push_back(home.load_ca("root", root_pass));
  certs.push_back(home.root_cert());
  for (const auto& name : home.issuing_names()) {
    cas.push_back(home.load_ca(name, pass));
    certs.push_back(home.issuing_cert(name));
  }
  prepare_dir(out_dir);
  // Signs manifest.json; made here the first time (after the output is known to be
  // writable, so a refused --out changes nothing).
  const x509::Signer publisher = load_publisher(home, pass, root_pass);
  const crl::PublishLock lock(out_dir);

  std::vector<const x509::Signer*> signers;
  for (const auto& ca : cas) signers.push_back(&ca);
  store::JournalRecord head;  // the export's own record: the journal head it vouches for
  LogExport log;              // the issuance log's head (publish_log.hpp), same transaction
  std::vector<crl::IssuedCrl> crls = issue_committed(
      home, signers, now, [&](std::string_view name) { return settings.crl_days_for(name); },
      [&](store::Store& db, const std::vector<crl::IssuedCrl>& issued) {
        nlohmann::json numbers = nlohmann::json::object();
        if (root_plan.reuse) numbers["root"] = root_plan.reuse->number;
        for (const auto& c : issued) numbers[c.ca] = c.number;
        log = record_log_head(db, now);
        head = journal::append(
            db, "export",
            {{"out", out_dir.string()}, {"crl_numbers", numbers}, {"log", log_summary(log)}});
      });
  if (root_plan.reuse) {
    crls.insert(crls.begin(), std::move(*root_plan.reuse));
  } else {
    keep_root_crl(home, crls.front().der);
  }

  // crl/NAME.crl and ca/NAME.crt for relying parties that fetch by URL (publish_der.hpp).
  const nlohmann::json der_files = write_der_files(out_dir, certs, crls, file_entry);
  std::string bundle;
  std::string crl_pem;
  nlohmann::json ca_docs = nlohmann::json::array();
  std::int64_t earliest_next = 0;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    bundle += x509::to_pem(certs[i].get());
    crl::IssuedCrl& c = crls[i];
    crl_pem += crl::der_to_pem(c.der);
    std::string().swap(c.der);  // keep one copy of a large CRL in memory, not two
    ca_docs.push_back({{"name", c.ca},
                       {"subject", x509::one_line(::X509_get_subject_name(certs[i].get()))},
                       {"cert_sha256", x509::sha256_fingerprint(certs[i].get())},
                       {"crl_number", c.number},
                       {"this_update", rfc3339(c.this_update)},
                       {"next_update", rfc3339(c.next_update)},
                       {"entries", c.entries},
                       {"crl_der_sha256", c.sha256}});
    earliest_next = earliest_next == 0 ? c.next_update : std::min(earliest_next, c.next_update);
  }
  nlohmann::json manifest = {
      {"format", "iot-pki-trust/1"},
      {"sequence", head.seq},
      {"generated_at", rfc3339(now)},
      {"journal", {{"seq", head.seq}, {"hash", head.hash}}},
      {"next_update", rfc3339(earliest_next)},
      {"files", {file_entry(kBundleName, bundle), file_entry(kCrlName, crl_pem)}},
      {"cas", ca_docs},
  };
  for (const auto& f : der_files) manifest["files"].push_back(f);
  const std::string log_head = log_head_text(log, now);
  const std::string log_signature = trustsign::sign_detached(publisher, log_head);
  manifest["files"].push_back(file_entry(kLogHeadName, log_head));
  manifest["files"].push_back(file_entry(kLogLeavesName, log.leaves));
  manifest["log"] = log_summary(log);

  const std::string manifest_text = manifest.dump(2) + "\n";
  const std::string signature = trustsign::sign_detached(publisher, manifest_text);

  for (const auto name : {kBundleName, kCrlName, kLogLeavesName, kLogHeadName,
                          kLogHeadSignatureName, kManifestName, kSignatureName})
    fs::remove_stale_temps(out_dir, name);
  write_public(out_dir, kBundleName, bundle);
  write_public(out_dir, kCrlName, crl_pem);
  write_public(out_dir, kLogLeavesName, log.leaves);
  write_public(out_dir, kLogHeadName, log_head);
  write_public(out_dir, kLogHeadSignatureName, log_signature);
  write_public(out_dir, kManifestName, manifest_text);
  write_public(out_dir, kSignatureName, signature);
  return manifest;
}

}  // namespace pki::workflows
