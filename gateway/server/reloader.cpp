#include "gateway/server/reloader.hpp"

#include <cstdio>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/revocation/chain.hpp"
#include "gateway/tls/context.hpp"

namespace gw::server {
namespace {

namespace ev = audit::event;
using pki::Exit;

std::string crl_summary(const revocation::RevocationSet& s) {
  return std::to_string(s.crl_count()) + " CRL(s), " + std::to_string(s.revoked_count()) +
         " revoked serial(s), next update " + pki::rfc3339(s.next_update());
}

void warn(const std::string& what) {
  std::fprintf(stderr, "iot-gateway: %s\n", what.c_str());
}

}  // namespace

Reloader::Stamp Reloader::stamp(const std::filesystem::path& p) const {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return {};
  return {st.st_ino, st.st_size,
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

// The directory's own stamp changes when a key is added, removed or renamed.
Reloader::Stamp Reloader::keys_stamp() const {
  return stamp(cfg_.jwt.keys_dir);
}

bool Reloader::changed(const std::string& name, const Stamp& now, bool force) {
  Stamp& old = stamps_[name];
  const bool differs = !(old == now);
  old = now;
  return force || differs;
}

void Reloader::audit_crl(const char* event, bool success, std::string reason) {
  audit::Record r;
  r.event = event;
  r.success = success;
  r.reason = std::move(reason);
  audit_.log(std::move(r));
}

void Reloader::load_initial() {
  auto snap = std::make_shared<Snapshot>();
  try {
    snap->bundle = revocation::Bundle::parse(pki::fs::read_file(cfg_.trust.bundle, pki::fs::kTrustLimit));
  } catch (const pki::Error& e) {
    throw pki::Error(Exit::config, "trust.bundle " + cfg_.trust.bundle.string() + ": " + e.what());
  }
  try {
    snap->crls =
        revocation::RevocationSet::parse(pki::fs::read_file(cfg_.trust.crl, pki::fs::kTrustLimit), *snap->bundle);
  } catch (const pki::Error& e) {
    audit_crl(ev::kCrlRejected, false, e.what());
    throw pki::Error(Exit::config, "trust.crl " + cfg_.trust.crl.string() + ": " + e.what());
  }
  snap->keys = jwt::KeySet::load(cfg_.jwt.keys_dir);
  snap->tls = tls::make_server_context(cfg_.server.cert, cfg_.server.key, *snap->bundle);
  stamps_["bundle"] = stamp(cfg_.trust.bundle);
  stamps_["crl"] = stamp(cfg_.trust.crl);
  stamps_["cert"] = stamp(cfg_.server.cert);
  stamps_["key"] = stamp(cfg_.server.key);
  stamps_["keys"] = keys_stamp();
  audit_crl(ev::kCrlLoaded, true, crl_summary(*snap->crls));
  check_staleness(*snap);
  state_.set(std::move(snap));
}

void Reloader::poll(bool force) noexcept {
  try {
    const auto cur = state_.get();
    auto next = std::make_shared<Snapshot>(*cur);
    const bool bundle_changed = changed("bundle", stamp(cfg_.trust.bundle), force);
    const bool crl_changed = changed("crl", stamp(cfg_.trust.crl), force);
    const bool cert_changed = changed("cert", stamp(cfg_.server.cert), force) |
                              changed("key", stamp(cfg_.server.key), force);
    const bool keys_changed = changed("keys", keys_stamp(), force);
    if (bundle_changed || crl_changed) {
      try {
        auto bundle = bundle_changed
                          ? revocation::Bundle::parse(pki::fs::read_file(cfg_.trust.bundle, pki::fs::kTrustLimit))
                          : cur->bundle;
        auto crls = revocation::RevocationSet::parse(pki::fs::read_file(cfg_.trust.crl, pki::fs::kTrustLimit), *bundle);
        if (auto rollback = crls->rollback_from(*cur->crls)) {
          throw pki::Error(pki::Exit::data, *rollback);
        }
        audit_crl(ev::kCrlLoaded, true, crl_summary(*crls));
        next->bundle = std::move(bundle);
        next->crls = std::move(crls);
      } catch (const pki::Error& e) {
        // The new bundle and CRLs are only taken together; the last good pair stays.
        audit_crl(ev::kCrlRejected, false, e.what());
        warn(std::string("trust material refused, keeping the last good set: ") + e.what());
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
  } catch (const std::exception& e) {
    warn(std::string("reload failed: ") + e.what());
  }
}

void Reloader::check_staleness(const Snapshot& snap) {
  const bool stale = revocation::stale(*snap.crls, pki::now_unix(), cfg_.trust.crl_grace);
  if (stale && !stale_reported_) {
    audit_crl(ev::kCrlStale, false,
              "CRL past nextUpdate " + pki::rfc3339(snap.crls->next_update()) +
                  " + crl_grace: refusing all devices until a fresh CRL is loaded");
  }
  stale_reported_ = stale;
}

}  // namespace gw::server
