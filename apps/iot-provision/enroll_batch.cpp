// SPDX-License-Identifier: Apache-2.0
// iot-provision enroll --batch: a factory line's manifest of token,csr_path rows, or the
// token file of `token --batch` (device_id,token,expires_at) joined with --csr-dir DIR,
// where each device's CSR is DIR/<device_id>.csr.
//
// Workers verify tokens (Argon2id) in parallel; registry writes are serialised by one
// writer thread in this process and by BEGIN IMMEDIATE across processes. A row's token is
// marked used in the same transaction that records its certificate, so after a crash
// or kill -9 a re-run finds that token used and, when the CSR carries the same public
// key, re-emits the recorded certificate instead of issuing a second one; the summary
// counts those rows as "re-emitted", apart from the ones enrolled by this run.
// Certificate files and the report are replaced atomically; the report is rebuilt by
// every run.
#include <sys/stat.h>

#include <cerrno>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "batch/manifest.hpp"
#include "ca/home.hpp"
#include "ca/issue.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/parallel.hpp"
#include "fsutil/files.hpp"
#include "iot-provision/commands.hpp"
#include "iot-provision/progress.hpp"
#include "token/store.hpp"
#include "workflows/enroll.hpp"
#include "x509/names.hpp"

namespace prov {
namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;

// About a million rows of token,csr_path.
constexpr pki::fs::Limit kManifestLimit{256 << 20, "batch manifest"};

struct Row {
  std::optional<pki::token::Token> token;
  std::optional<pki::x509::Csr> csr;
  pki::batch::ReportRow report;
  bool reemitted = false;    // ok: the certificate of an earlier run, written again
  bool missing_csr = false;  // error: --csr-dir has no CSR for this row's device
};

bool file_equals(const stdfs::path& p, std::string_view content) {
  try {
    return pki::fs::read_file(p, pki::fs::kCertLimit) == content;
  } catch (const pki::Error&) {
    return false;
  }
}

class Batch {
 public:
  Batch(const app::Common& common, const BatchOptions& o)
      : common_(common), o_(o), home_(common.home) {}

  void run() {
    home_.require_initialised();
    settings_ = home_.settings();
    load_manifest();
    // The CA key (and its passphrase) before anything is created: a refusal writes nothing.
    signer_ = home_.load_ca(o_.ca.empty() ? home_.default_signer_name() : o_.ca,
                            pki::keys::PassphraseSource(o_.passphrase_file));
    make_out_dir();
    report_path_ = o_.report ? *o_.report : o_.out_dir / "report.csv";
    // Left behind by a run killed while writing a file (write_file_atomic's temp names).
    const std::string report_name = report_path_.filename().string();
    pki::fs::remove_stale_temps(o_.out_dir, [&](std::string_view name) {
      return name == report_name || (name.size() > 4 && name.ends_with(".crt"));
    });
    const unsigned jobs =
        std::max(1U, std::min<unsigned>(o_.jobs, static_cast<unsigned>(rows_.size())));
    for (unsigned w = 0; w <= jobs; ++w) stores_.push_back(home_.open_store());  // + writer
    if (o_.chain) chain_ = pki::ca::chain_pem(signer_, home_.root_cert().get());

    const auto t0 = Clock::now();
    pki::parallel_for(rows_.size(), jobs, [this](unsigned, std::size_t i) { prepare(i); });
    refuse_repeated_devices();
    run_workers(jobs);
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();

    std::vector<pki::batch::ReportRow> report;
    for (const Row& r : rows_) report.push_back(r.report);
    pki::fs::write_file_atomic(report_path_, pki::batch::report_csv(report), 0644);
    summarise(jobs, wall);
  }

 private:
  void load_manifest() {
    // The manifest and the token file hold tokens: read_secret's rules (a regular file,
    // capped, one wiped buffer, a warning when others may read it).
    const pki::Secret text = read_secret(o_.manifest, kManifestLimit);
    try {
      if (o_.csr_dir) {
        manifest_ = pki::batch::parse_token_file(text.view());
      } else {
        const stdfs::path base = o_.manifest.has_parent_path() ? o_.manifest.parent_path() : ".";
        manifest_ = pki::batch::parse_manifest(text.view(), base);
      }
    } catch (const pki::Error& e) {
      throw pki::Error(e.code(), o_.manifest.string() + ": " + e.what());
    }
    if (o_.csr_dir) join_csr_dir();
    rows_.resize(manifest_.size());
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      rows_[i].report.line = manifest_[i].line;
      rows_[i].report.device_id = manifest_[i].device_id;
      if (!manifest_[i].error.empty()) fail(i, manifest_[i].error);
    }
  }

  // A token-file row's CSR is CSR_DIR/<device_id>.csr; the id is checked first, so the
  // name cannot leave the folder.
  void join_csr_dir() {
    const stdfs::path& dir = *o_.csr_dir;
    std::error_code ec;
    if (!stdfs::is_directory(dir, ec)) {
      throw pki::Error(pki::Exit::no_input, "--csr-dir " + dir.string() + " is not a directory");
    }
    for (pki::batch::ManifestRow& row : manifest_) {
      if (!row.error.empty()) continue;
      if (!pki::x509::is_valid_device_id(row.device_id)) {
        row.error = "invalid device id in the token file (letters, digits, . _ -; at most 64)";
        row.device_id.clear();
        continue;
      }
      row.csr_path = dir / (row.device_id + ".csr");
    }
  }

  // Certificates are public: a new folder is 0755; an existing one keeps its mode.
  void make_out_dir() const {
    std::error_code ec;
    if (stdfs::is_directory(o_.out_dir, ec)) return;
    stdfs::create_directories(o_.out_dir, ec);
    if (ec) {
      throw pki::Error(pki::Exit::cant_create,
                       "cannot create " + o_.out_dir.string() + ": " + ec.message());
    }
    ::chmod(o_.out_dir.c_str(), 0755);
  }

  void fail(std::size_t i, const std::string& why) {
    rows_[i].report.status = "error";
    rows_[i].report.reason = why;
  }

  // Phase 1, parallel and cheap: parse the token and the CSR of each row. A token-file
  // row's CSR must exist and be for the row's device (the registry's device-match rule,
  // applied again to the token's own row in phase 2).
  void prepare(std::size_t i) {
    Row& row = rows_[i];
    pki::batch::ManifestRow& in = manifest_[i];
    if (!row.report.status.empty()) return;
    try {
      row.token = pki::token::parse(in.token.view());
      in.token.wipe();
      if (o_.csr_dir && !csr_present(in.csr_path)) {
        row.token.reset();
        row.missing_csr = true;
        fail(i, "no CSR for this device: " + in.csr_path.string() + " does not exist");
        return;
      }
      pki::x509::Csr csr = pki::workflows::parse_device_csr(
          pki::fs::read_file(in.csr_path, pki::fs::kCsrLimit), in.csr_path.string());
      if (o_.csr_dir) {
        pki::store::TokenRow claimed;
        claimed.device_id = in.device_id;
        try {
          pki::token::require_device_match(claimed, csr.common_name);
        } catch (const pki::Error& e) {
          throw pki::Error(e.code(), in.csr_path.string() + ": " + e.what());
        }
      }
      row.report.device_id = csr.common_name;
      row.csr = std::move(csr);
    } catch (const std::exception& e) {
      in.token.wipe();
      row.token.reset();
      fail(i, e.what());
    }
  }

  static bool csr_present(const stdfs::path& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0 || errno != ENOENT;
  }

  // One certificate per device per manifest: the first row naming a device wins, by
  // line order, so every re-run makes the same choice.
  void refuse_repeated_devices() {
    std::map<std::string, std::size_t> first;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      Row& row = rows_[i];
      if (!row.csr) continue;
      const auto [it, fresh] = first.emplace(row.report.device_id, row.report.line);
      if (!fresh) {
        row.token.reset();
        fail(i, "device id " + row.report.device_id + " is also on line " +
                    std::to_string(it->second) + "; one certificate per device per manifest");
      }
    }
  }

  // Phase 2 is a pipeline: `jobs` workers verify tokens (Argon2id, CPU-bound) and hand
  // each authenticated row to one writer thread, which redeems it (the transaction)
  // and writes its certificate file. Workers never wait for a COMMIT or an fsync, so
  // durable I/O overlaps the next verifications instead of adding to them.
  void run_workers(unsigned jobs) {
    ProgressThread progress("enroll", rows_.size(), done_);
    std::jthread writer([this, jobs] { write_loop(*stores_[jobs]); });
    pki::parallel_for(rows_.size(), jobs, [this](unsigned w, std::size_t i) {
      if (rows_[i].token && rows_[i].csr && verify(*stores_[w], i)) return;
      row_done();
    });
    {
      const std::lock_guard lock(queue_mu_);
      verifying_done_ = true;
    }
    queue_cv_.notify_one();
    writer.join();
    progress.finish();
  }

  void row_done() { done_++; }

  // True when the row was queued for the writer; false when it failed here.
  bool verify(pki::store::Store& db, std::size_t i) {
    Row& row = rows_[i];
    const auto t0 = Clock::now();
    try {
      pki::store::TokenRow tok =
          pki::workflows::authorise(db, *row.token, *row.csr, settings_.argon2);
      argon2_ns_ += (Clock::now() - t0).count();
      row.token.reset();  // wipes the secret
      {
        const std::lock_guard lock(queue_mu_);
        queue_.emplace_back(i, std::move(tok));
      }
      queue_cv_.notify_one();
      return true;
    } catch (const std::exception& e) {
      argon2_ns_ += (Clock::now() - t0).count();
      row.token.reset();
      row.csr.reset();
      fail(i, e.what());
      return false;
    }
  }

  void write_loop(pki::store::Store& db) {
    for (;;) {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return !queue_.empty() || verifying_done_; });
      if (queue_.empty()) return;
      auto [i, tok] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      const auto t0 = Clock::now();
      redeem_and_write(db, i, tok);
      writer_ns_ += (Clock::now() - t0).count();
      row_done();
    }
  }

  // The transaction, then the certificate file (atomic). A crash between the two
  // leaves a used token and no file; the re-run re-emits the recorded certificate.
  void redeem_and_write(pki::store::Store& db, std::size_t i, const pki::store::TokenRow& tok) {
    Row& row = rows_[i];
    try {
      pki::workflows::RedeemOptions ro;
      ro.reemit_same_key = true;
      const pki::workflows::Redeemed r =
          pki::workflows::redeem(db, tok, *row.csr, signer_, settings_, pki::now_unix(), ro);
      sign_ns_ += r.issue_time.count();
      const stdfs::path cert_path = o_.out_dir / (r.record.device_id + ".crt");
      const std::string pem = r.record.pem + chain_;
      if (!r.reemitted || !file_equals(cert_path, pem)) {
        pki::fs::write_file_atomic(cert_path, pem, 0644);
      }
      row.report.status = "ok";
      row.report.serial = r.record.serial;
      row.report.certificate = cert_path.string();
      row.reemitted = r.reemitted;
      if (r.reemitted) {
        row.report.reason = "already enrolled by an earlier run; certificate re-emitted";
      }
    } catch (const std::exception& e) {
      fail(i, e.what());
    }
    row.csr.reset();
  }

  // What was done and what not: enrolled by this run, re-emitted (enrolled by an earlier
  // run, certificate written again), failed (of which without a CSR in --csr-dir).
  void summarise(unsigned jobs, double wall) {
    std::size_t ok = 0;
    std::size_t reemitted = 0;
    std::size_t missing = 0;
    for (const Row& r : rows_) {
      ok += r.report.status == "ok" ? 1 : 0;
      reemitted += r.reemitted ? 1 : 0;
      missing += r.missing_csr ? 1 : 0;
    }
    const std::size_t enrolled = ok - reemitted;
    const std::size_t errors = rows_.size() - ok;
    const double argon2 = static_cast<double>(argon2_ns_.load()) / 1e9;
    const double sign = static_cast<double>(sign_ns_.load()) / 1e9;
    const double writer = static_cast<double>(writer_ns_.load()) / 1e9;
    nlohmann::json doc = {{"total", rows_.size()},
                          {"ok", ok},
                          {"enrolled", enrolled},
                          {"reemitted", reemitted},
                          {"errors", errors},
                          {"out_dir", o_.out_dir.string()},
                          {"report", report_path_.string()},
                          {"timing",
                           {{"jobs", jobs},
                            {"wall_s", wall},
                            {"argon2_s", argon2},
                            {"sign_s", sign},
                            {"writer_s", writer}}}};
    char timing[160];
    std::snprintf(timing, sizeof timing,
                  "time: %.2f s wall with %u worker(s); Argon2id %.2f s, signing %.2f s "
                  "(summed over workers)",
                  wall, jobs, argon2, sign);
    std::string missing_note;
    if (o_.csr_dir) {
      doc["csr_dir"] = o_.csr_dir->string();
      doc["missing_csr"] = missing;
      missing_note = ", " + std::to_string(missing) + " without a CSR in " + o_.csr_dir->string();
    }
    app::emit(common_, doc,
              "Enrolled " + std::to_string(enrolled) + " of " + std::to_string(rows_.size()) +
                  " devices, re-emitted " + std::to_string(reemitted) +
                  " (enrolled by an earlier run), " + std::to_string(errors) + " errors" +
                  missing_note + "; report: " + report_path_.string() + "\n" + timing);
    if (errors > 0) {
      throw pki::Error(
          pki::Exit::data,
          std::to_string(errors) + " of " + std::to_string(rows_.size()) + " rows failed" +
              (o_.csr_dir ? " (" + std::to_string(missing) + " without a CSR)" : std::string()) +
              "; see " + report_path_.string());
    }
  }

  const app::Common& common_;
  const BatchOptions& o_;
  const pki::ca::Home home_;
  pki::config::Settings settings_;
  std::vector<pki::batch::ManifestRow> manifest_;
  std::vector<Row> rows_;
  std::vector<std::unique_ptr<pki::store::Store>> stores_;
  pki::x509::Signer signer_;
  std::string chain_;
  stdfs::path report_path_;
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::pair<std::size_t, pki::store::TokenRow>> queue_;
  bool verifying_done_ = false;
  std::atomic<std::int64_t> writer_ns_{0};
  std::atomic<std::int64_t> argon2_ns_{0};
  std::atomic<std::int64_t> sign_ns_{0};
  std::atomic<std::size_t> done_{0};
};

}  // namespace

void run_enroll_batch(const app::Common& common, const BatchOptions& options) {
  Batch(common, options).run();
}

}  // namespace prov
