// SPDX-License-Identifier: Apache-2.0
// The reloader's trust set: read, verify (revocation::verify_trust), audit, persist.
#include <array>
#include <chrono>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "gateway/log/log.hpp"
#include "gateway/server/reloader.hpp"

namespace gw::server {
namespace {

// `iot-ca export` replaces ca-bundle.pem, crl.pem, manifest.json and manifest.json.p7s
// one after the other (each atomically): a read in between sees a mixed set, which
// fails its hashes or its signature. The set is read again a few times before it is
// refused (while a file's stamp moves, and once after a refusal of the set).
constexpr int kAttempts = 5;
constexpr auto kRetryPause = std::chrono::milliseconds(250);

}  // namespace

revocation::TrustVerdict Reloader::load_trust_set(const revocation::RevocationSet* previous,
                                                  std::string* digest) {
  const revocation::TrustPolicy policy{cfg_.trust.pins, cfg_.trust.require_manifest,
                                       cfg_.trust.require_logged};
  revocation::TrustVerdict v;
  const auto stamps = [this] {
    return std::array<Stamp, 6>{stamp(cfg_.trust.bundle),
                                stamp(cfg_.trust.crl),
                                stamp(revocation::manifest_path(cfg_.trust.bundle)),
                                stamp(revocation::signature_path(cfg_.trust.bundle)),
                                stamp(revocation::log_head_path(cfg_.trust.bundle)),
                                stamp(revocation::log_leaves_path(cfg_.trust.bundle))};
  };
  for (int attempt = 1;; ++attempt) {
    const auto before = stamps();
    try {
      auto files = revocation::read_trust_files(cfg_.trust.bundle, cfg_.trust.crl,
                                                cfg_.trust.require_manifest);
      std::string all;
      for (const std::string* f : {&files.bundle, &files.crl, &files.manifest, &files.signature}) {
        all += pki::sha256_hex(*f) + std::to_string(f->size()) + ";";
      }
      // The log head names its leaves' SHA-256 (verified below): the head stands for both.
      all += pki::sha256_hex(files.log_head) + std::to_string(files.log_leaves.size()) + ";";
      *digest = pki::sha256_hex(all);
      v = revocation::verify_trust(files.view(), policy, seen_, previous, pki::now_unix());
      // The verified leaves move into the LogSet (sorted in place, no copy): this runs on
      // the reloader's thread, never on the io_context.
      if (v.ok && v.has_log) {
        v.set.log = revocation::LogSet::adopt(std::move(files.log_leaves), v.log_head);
      }
    } catch (const pki::Error& e) {
      v = {};
      v.reason = e.what();
      // A missing or unreadable manifest or log is a refusal of the set, not a CRL problem.
      v.trust_rejected =
          v.reason.rfind("trust.manifest", 0) == 0 || v.reason.rfind("log: ", 0) == 0;
    }
    if (v.ok || attempt == kAttempts) return v;
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, kRetryPause, [this] { return stopping_; })) return v;
    }
    // Read again only when a file is being replaced (its stamp moved) or, once, after a
    // refusal of the set (hash, signature): a bad set that stays put is refused at once,
    // and a slow parse is not repeated.
    if (stamps() == before && !(v.trust_rejected && attempt == 1)) return v;
  }
}

void Reloader::accept_trust_set(const revocation::TrustVerdict& v) {
  if (v.seen == seen_) return;
  try {
    revocation::store_seen(cfg_.trust.state_dir, v.seen);
    seen_ = v.seen;
  } catch (const pki::Error& e) {
    // The set is valid and is used; only a restart would forget how far it went.
    seen_ = v.seen;
    log::line(std::string("trust.state_dir: cannot persist the highest manifest sequence and "
                          "CRL Numbers seen (a restart may accept an older set): ") +
              e.what());
  }
}

void Reloader::reject_trust_set(const revocation::TrustVerdict& v) {
  if (v.log_inconsistent) {
    audit_crl(audit::Event::log_inconsistent, v.reason);
    return;
  }
  audit_crl(v.trust_rejected ? audit::Event::trust_rejected : audit::Event::crl_rejected, v.reason);
}

}  // namespace gw::server
