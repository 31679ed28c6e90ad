// SPDX-License-Identifier: Apache-2.0
#pragma once
// Loads the trust material, TLS context and JWT keys, and reloads them when their files
// change (polled every trust.reload_interval) or on SIGHUP. A file that fails to load
// is refused and the last good material is kept; CRL outcomes are audited
// (CRL_LOADED, CRL_REJECTED, TRUST_REJECTED) and the moment each CA's CRL goes stale is
// audited once (CRL_STALE naming the CA).
//
// Reloads run on the reloader's own thread, never on the io_context: parsing a
// 1,000,000-entry CRL takes seconds, and neither the accept loop, the sessions nor the
// signal handling (SIGTERM) may wait for it (issue 9 item 9). Every file is read with
// pki::fs::read_file/read_private_file: non-blocking open, regular files only, capped.
#include <sys/stat.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "gateway/audit/audit_log.hpp"
#include "gateway/config/config.hpp"
#include "gateway/revocation/trust_manifest.hpp"
#include "gateway/server/state.hpp"

namespace gw::server {

class Reloader {
 public:
  Reloader(const config::Config& cfg, State& state, audit::AuditLog& audit)
      : cfg_(cfg), state_(state), audit_(audit) {}
  ~Reloader() { stop(); }
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // First load, on the caller's thread; throws pki::Error(config) naming what is wrong.
  // Audits CRL_LOADED (or CRL_REJECTED before throwing).
  void load_initial();
  // Reloads whatever changed (everything when `force`). Never throws.
  void poll(bool force) noexcept;

  // Starts the reload thread: a poll every trust.reload_interval, a forced one on
  // request(). stop() wakes it and joins it (a poll under way finishes first: bounded
  // by the size caps). Both are idempotent.
  void start();
  // Asks for a forced reload (SIGHUP) and returns at once.
  void request() noexcept;
  void stop() noexcept;

 private:
  struct Stamp {
    ino_t ino = 0;
    off_t size = 0;
    std::int64_t mtime_ns = 0;
    int mode = 0;
    bool operator==(const Stamp&) const = default;
  };
  [[nodiscard]] Stamp stamp(const std::filesystem::path& p) const;
  bool changed(const std::string& name, const Stamp& now, bool force);
  void audit_crl(audit::Event event, std::string reason);
  // The trust set (reloader_trust.cpp): bundle, CRLs, manifest and signature read and
  // verified as one unit (revocation::verify_trust), retried a few times while an
  // export may be replacing them; an accepted set's highest values are persisted.
  // `digest` receives the SHA-256 of the files read (all four, length-prefixed).
  [[nodiscard]] revocation::TrustVerdict load_trust_set(const revocation::RevocationSet* previous,
                                                        std::string* digest);
  void accept_trust_set(const revocation::TrustVerdict& v);
  void reject_trust_set(const revocation::TrustVerdict& v);
  void check_staleness(const Snapshot& snap);
  void thread_main();

  const config::Config& cfg_;
  State& state_;
  audit::AuditLog& audit_;
  std::map<std::string, Stamp> stamps_;   // the reload thread's (load_initial's before)
  std::set<std::string> stale_reported_;  // the CAs whose stale CRL was audited
  revocation::Seen seen_;                 // trust.state_dir/trust-state.json, the reload thread's
  // The files of the set in use: a poll that finds the same bytes again (an export's
  // later files changing the stamps after its set was already read) reloads nothing.
  std::string loaded_digest_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool forced_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gw::server
