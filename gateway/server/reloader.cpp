// SPDX-License-Identifier: Apache-2.0
#include "gateway/server/reloader.hpp"

#include <systemd/sd-daemon.h>

#include <chrono>
#include <optional>
#include <set>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "gateway/log/log.hpp"
#include "gateway/revocation/chain.hpp"
#include "gateway/tls/context.hpp"

namespace gw::server {
namespace {

using audit::Event;
using pki::Exit;

std::string crl_summary(const revocation::RevocationSet& s, const revocation::LogSet* log) {
  return std::to_string(s.crl_count()) + " CRL(s), " + std::to_string(s.revoked_count()) +
         " revoked serial(s), next update " + pki::rfc3339(s.next_update()) +
         (log == nullptr ? std::string()
                         : ", log of " + std::to_string(log->size()) + " certificate(s)");
}

void warn(const std::string& what) {
  log::line(what);
}

}  // namespace

// stat, not open: a FIFO or a device in place of a file is only ever opened by
// pki::fs::read_file, which refuses it without blocking.
Reloader::Stamp Reloader::stamp(const std::filesystem::path& p) const {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return {};
  return {st.st_ino, st.st_size,
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
          static_cast<int>(st.st_mode)};
}

bool Reloader::changed(const std::string& name, const Stamp& now, bool force) {
  Stamp& old = stamps_[name];
  const bool differs = !(old == now);
  old = now;
  return force || differs;
}

void Reloader::audit_crl(audit::Event event, std::string reason) {
  audit::Record r;
  r.event = event;
  r.reason = std::move(reason);
  audit_.log(std::move(r));
}

void Reloader::load_initial() {
  auto snap = std::make_shared<Snapshot>();
  seen_ = revocation::read_seen(cfg_.trust.state_dir);  // throws Error(config) when damaged
  revocation::TrustVerdict v = load_trust_set(nullptr, &loaded_digest_);
  if (!v.ok) {
    reject_trust_set(v);
    throw pki::Error(Exit::config, v.reason);
  }
  accept_trust_set(v);
  snap->bundle = std::move(v.set.bundle);
  snap->crls = std::move(v.set.crls);
  snap->log = std::move(v.set.log);
  snap->keys = jwt::KeySet::load(cfg_.jwt.keys_dir);
  snap->tls = tls::make_server_context(cfg_.server.cert, cfg_.server.key, *snap->bundle);
  stamps_["bundle"] = stamp(cfg_.trust.bundle);
  stamps_["crl"] = stamp(cfg_.trust.crl);
  stamps_["manifest"] = stamp(revocation::manifest_path(cfg_.trust.bundle));
  stamps_["signature"] = stamp(revocation::signature_path(cfg_.trust.bundle));
  stamps_["log-head"] = stamp(revocation::log_head_path(cfg_.trust.bundle));
  stamps_["log-leaves"] = stamp(revocation::log_leaves_path(cfg_.trust.bundle));
  stamps_["cert"] = stamp(cfg_.server.cert);
  stamps_["key"] = stamp(cfg_.server.key);
  stamps_["keys"] = stamp(cfg_.jwt.keys_dir);  // changes when a key is added or renamed
  audit_crl(Event::crl_loaded, crl_summary(*snap->crls, snap->log.get()));
  check_staleness(*snap);
  state_.set(std::move(snap));
}

void Reloader::poll(bool force) noexcept {
  try {
    const auto cur = state_.get();
    auto next = std::make_shared<Snapshot>(*cur);
    const bool bundle_changed = changed("bundle", stamp(cfg_.trust.bundle), force);
    const bool crl_changed =
        changed("crl", stamp(cfg_.trust.crl), force) |
        changed("manifest", stamp(revocation::manifest_path(cfg_.trust.bundle)), force) |
        changed("signature", stamp(revocation::signature_path(cfg_.trust.bundle)), force) |
        changed("log-head", stamp(revocation::log_head_path(cfg_.trust.bundle)), force) |
        changed("log-leaves", stamp(revocation::log_leaves_path(cfg_.trust.bundle)), force);
    const bool cert_changed = changed("cert", stamp(cfg_.server.cert), force) |
                              changed("key", stamp(cfg_.server.key), force);
    const bool keys_changed = changed("keys", stamp(cfg_.jwt.keys_dir), force);
    // CRL_LOADED is written once the new set is in effect: whoever reads the audit log
    // (an operator, a test) may rely on it for the next request.
    std::optional<std::string> loaded;
    if (bundle_changed || crl_changed) {
      // The same code as at start, check-config and fuzz_manifest: all files, together.
      std::string digest;
      revocation::TrustVerdict v = load_trust_set(cur->crls.get(), &digest);
      if (v.ok && !force && digest == loaded_digest_) {
        // The same bytes as the set in use: nothing to load, nothing to audit.
      } else if (v.ok) {
        loaded_digest_ = digest;
        accept_trust_set(v);
        loaded = crl_summary(*v.set.crls, v.set.log.get());
        // An unchanged bundle keeps its object, so the TLS context is not rebuilt.
        next->bundle = v.set.bundle->same_as(*cur->bundle) ? cur->bundle : std::move(v.set.bundle);
        next->crls = std::move(v.set.crls);
        next->log = std::move(v.set.log);
      } else {
        // The new set is only taken whole; the last good one stays.
        reject_trust_set(v);
        warn("trust material refused, keeping the last good set: " + v.reason);
      }
    }
    if (cert_changed || next->bundle != cur->bundle) {
      try {
        next->tls = tls::make_server_context(cfg_.server.cert, cfg_.server.key, *next->bundle);
      } catch (const pki::Error& e) {
        warn(std::string("server certificate refused, keeping the old one: ") + e.what());
      }
    }
    if (keys_changed) {
      try {
        next->keys = jwt::KeySet::load(cfg_.jwt.keys_dir);
      } catch (const pki::Error& e) {
        warn(std::string("JWT keys refused, keeping the old set: ") + e.what());
      }
    }
    check_staleness(*next);
    state_.set(std::move(next));
    if (loaded) audit_crl(Event::crl_loaded, std::move(*loaded));
  } catch (const std::exception& e) {
    warn(std::string("reload failed: ") + e.what());
  }
}

// Each CRL is stale on its own nextUpdate + crl_grace; CRL_STALE is written once per
// CA when its CRL goes stale, naming that CA (the root's: every device is refused; an
// issuing CA's: its devices).
void Reloader::check_staleness(const Snapshot& snap) {
  const std::int64_t now = pki::now_unix();
  std::set<std::string> stale_now;
  for (const auto& e : snap.crls->crls()) {
    if (now <= e.next_update + cfg_.trust.crl_grace) continue;
    stale_now.insert(e.issuer_name);
    if (stale_reported_.count(e.issuer_name) != 0) continue;
    audit_crl(Event::crl_stale, "the CRL of " + e.issuer_name + " is past nextUpdate " +
                                    pki::rfc3339(e.next_update) +
                                    " + crl_grace: refusing what it vouches for until a "
                                    "fresh one is loaded");
  }
  stale_reported_ = std::move(stale_now);
}

void Reloader::start() {
  const std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { thread_main(); });
}

void Reloader::request() noexcept {
  {
    const std::lock_guard lock(mu_);
    forced_ = true;
  }
  cv_.notify_one();
}

void Reloader::stop() noexcept {
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Reloader::thread_main() {
  const auto interval = std::chrono::seconds(cfg_.trust.reload_interval);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, interval, [this] { return stopping_ || forced_; });
    if (stopping_) break;
    const bool force = std::exchange(forced_, false);
    lock.unlock();
    if (force) sd_notify(0, "RELOADING=1");
    poll(force);
    if (force) sd_notify(0, "READY=1");
    lock.lock();
  }
}

}  // namespace gw::server
