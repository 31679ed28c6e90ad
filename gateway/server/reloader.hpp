#pragma once
// Loads the trust material, TLS context and JWT keys, and reloads them when their files
// change (polled every trust.reload_interval) or on SIGHUP. A file that fails to load
// is refused and the last good material is kept; CRL outcomes are audited
// (CRL_LOADED, CRL_REJECTED) and the moment the CRLs go stale is audited once.
#include <sys/stat.h>

#include <map>
#include <string>

#include "gateway/audit/audit_log.hpp"
#include "gateway/config/config.hpp"
#include "gateway/server/state.hpp"

namespace gw::server {

class Reloader {
 public:
  Reloader(const config::Config& cfg, State& state, audit::AuditLog& audit)
      : cfg_(cfg), state_(state), audit_(audit) {}

  // First load; throws pki::Error(config) naming what is wrong. Audits CRL_LOADED.
  void load_initial();
  // Reloads whatever changed (everything when `force`). Never throws.
  void poll(bool force) noexcept;

 private:
  struct Stamp {
    ino_t ino = 0;
    off_t size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  [[nodiscard]] Stamp stamp(const std::filesystem::path& p) const;
  [[nodiscard]] Stamp keys_stamp() const;
  bool changed(const std::string& name, const Stamp& now, bool force);
  void audit_crl(const char* event, bool success, std::string reason);
  void check_staleness(const Snapshot& snap);

  const config::Config& cfg_;
  State& state_;
  audit::AuditLog& audit_;
  std::map<std::string, Stamp> stamps_;
  bool stale_reported_ = false;
};

}  // namespace gw::server
