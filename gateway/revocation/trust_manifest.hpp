// SPDX-License-Identifier: Apache-2.0
#pragma once
// Pinned, signed trust material (issue 11 item 3, SPEC §10). Before a new set (bundle,
// CRLs, manifest.json, manifest.json.p7s) replaces the last good one, verify_trust
// checks, in this order:
//   1. the bundle and the CRLs as load_trust does (a failure here is CRL_REJECTED;
//      without require_manifest this includes a CRL Number below the set in use);
//   2. trust.pins: every CA of the bundle chains to a self-signed bundle root whose
//      SHA-256 (of the DER) is pinned; an empty pin list refuses every set;
//   3. with trust.require_manifest: the manifest's detached CMS signature, made by a
//      publisher certificate (trustsign: not a CA, documentSigning only) issued by a
//      pinned root and not revoked by its CRL; the manifest's format; the SHA-256 and
//      size of ca-bundle.pem and crl.pem as the manifest lists them; its sequence not
//      below the highest seen; no CRL Number below the set in use;
//   4. no CA's CRL Number below the highest seen (persisted, so a restart does not
//      reopen a rollback);
//   5. with require_manifest, when the manifest has a "log" or trust.require_logged is
//      set: the transparency log (log-head.json, log-leaves.bin; revocation/log_set.hpp,
//      verify_log) — its own checks (TRUST_REJECTED "log: …") and that it extends the
//      last accepted head (LOG_INCONSISTENT otherwise).
// Sans-IO (bytes in, verdict out, `now` given): the reloader, check-config and
// fuzz_manifest run exactly this. The highest seen values ("Seen") are the gateway's
// state_dir/trust-state.json, written by the reloader after each accepted set.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/revocation/log_set.hpp"
#include "gateway/revocation/trust.hpp"

namespace gw::revocation {

inline constexpr std::string_view kManifestFile = "manifest.json";
inline constexpr std::string_view kSignatureFile = "manifest.json.p7s";
inline constexpr std::string_view kStateFile = "trust-state.json";
// A manifest lists two files and a few CAs: far below this.
inline constexpr std::size_t kMaxManifestBytes = 1 << 20;

struct TrustFiles {
  std::string_view bundle;
  std::string_view crl;
  std::string_view manifest;   // unused without require_manifest
  std::string_view signature;  // DER
  // log-head.json and log-leaves.bin beside manifest.json, when both exist.
  bool has_log = false;
  std::string_view log_head{};
  std::string_view log_leaves{};  // 32 bytes per leaf
};

struct TrustPolicy {
  std::vector<std::string> pins;  // as configured: 64 hex digits, colons and case ignored
  bool require_manifest = true;
  bool require_logged = false;  // the set must carry a log (needs require_manifest)
};

// The highest manifest sequence and CRL Number per CA accepted so far.
struct Seen {
  std::int64_t sequence = 0;
  // CA (SHA-256 of its public key, lowercase hex) → CRL Number (uppercase hex).
  std::map<std::string, std::string> crl_numbers;
  // The last accepted log head (empty: none yet); a new head must extend it.
  LogMark log;
  bool operator==(const Seen&) const = default;
};

// trust-state.json: {"format":"iot-gateway-trust-state/1","sequence":N,
// "crl_numbers":{"<64 hex>":"<hex>",…}[,"log":{"tree_size":N,"root_hash":"<64 hex>"}]}
// (a file written before the log, without "log", still parses). Throws pki::Error(data) on anything
// else.
[[nodiscard]] Seen parse_seen(std::string_view json);
[[nodiscard]] std::string write_seen(const Seen& seen);

// "ab:CD…" → "abcd…" when it is 64 hex digits once colons are dropped, else "".
[[nodiscard]] std::string normalize_pin(std::string_view pin);
// For gateway.toml's check: "" or the problem.
[[nodiscard]] std::string check_pin(std::string_view pin);

struct TrustVerdict {
  bool ok = false;
  // The audit event of a refusal: true → TRUST_REJECTED (pins, manifest, rollback
  // against the persisted state); false → CRL_REJECTED (bundle or CRL unreadable).
  bool trust_rejected = false;
  std::string reason;  // starts with the key at fault: "trust.pins: …", "trust.manifest: …"
  TrustSet set;        // when ok
  Seen seen;           // when ok: the highest values including this set
  std::int64_t sequence = 0;      // the manifest's (0 without require_manifest)
  bool log_inconsistent = false;  // the refusal is LOG_INCONSISTENT (a valid log not
                                  // extending the last accepted head)
  bool has_log = false;           // when ok: the set carries a verified log
  LogHead log_head;               // when has_log; the caller adopts the leaves (LogSet)
};

[[nodiscard]] TrustVerdict verify_trust(const TrustFiles& files, const TrustPolicy& policy,
                                        const Seen& seen, const RevocationSet* previous,
                                        std::int64_t now) noexcept;

// The files as the gateway reads them: trust.bundle, trust.crl and, with
// require_manifest, manifest.json and manifest.json.p7s in trust.bundle's directory
// (pki::fs::read_file: regular files only, capped). Throws pki::Error naming the key.
struct OwnedTrustFiles {
  std::string bundle;
  std::string crl;
  std::string manifest;
  std::string signature;
  bool has_log = false;  // both log files exist beside the manifest
  std::string log_head;
  std::vector<Hash> log_leaves;
  [[nodiscard]] TrustFiles view() const {
    return {bundle, crl, manifest, signature, has_log, log_head, leaf_bytes(log_leaves)};
  }
};
[[nodiscard]] std::filesystem::path manifest_path(const std::filesystem::path& bundle);
[[nodiscard]] std::filesystem::path signature_path(const std::filesystem::path& bundle);
[[nodiscard]] std::filesystem::path log_head_path(const std::filesystem::path& bundle);
[[nodiscard]] std::filesystem::path log_leaves_path(const std::filesystem::path& bundle);
[[nodiscard]] OwnedTrustFiles read_trust_files(const std::filesystem::path& bundle,
                                               const std::filesystem::path& crl,
                                               bool with_manifest);
// state_dir/trust-state.json; a missing file is the empty Seen. Throws
// pki::Error(config) "trust.state_dir: …" for a damaged one (the gateway does not start:
// a deleted file reopens rollback, a damaged one is not silently ignored).
[[nodiscard]] Seen read_seen(const std::filesystem::path& state_dir);
void store_seen(const std::filesystem::path& state_dir, const Seen& seen);

}  // namespace gw::revocation
