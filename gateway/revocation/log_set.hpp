// SPDX-License-Identifier: Apache-2.0
#pragma once
// The issuance transparency log at the gateway (issue 12, SPEC §10; docs/trust.md "The
// gateway and the log"). `iot-ca export` writes beside manifest.json:
//   log-leaves.bin  the leaf hashes, 32 bytes each, in index order, nothing else;
//   log-head.json   {"format":"iot-pki-log-head/1","tree_size":N,"root_hash":"<hex>",
//                    "timestamp":"<RFC 3339 UTC>","leaves":{"name":"log-leaves.bin",
//                    "size":32×N,"sha256":"<hex>"}}
// and the signed manifest lists both files and carries "log":{"tree_size","root_hash"}.
// A leaf hash is SHA-256(0x00 ‖ certificate DER), an inner node SHA-256(0x01 ‖ l ‖ r),
// the root the Merkle Tree Hash of RFC 9162 §2.1.1.
//
// Sans-IO (bytes in, verdict out): the reloader, check-config and fuzz_log_head run
// exactly verify_log. The leaves are hashed in one streaming pass (O(log n) extra
// memory) that also yields the root of the first `previous.tree_size` leaves, so a new
// head is checked against the last accepted one without a proof (the gateway has every
// leaf). LogSet then sorts the leaf hashes in place: 32 bytes per logged certificate.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/x509.h>

#include <nlohmann/json_fwd.hpp>

#include "translog/merkle.hpp"

namespace gw::revocation {

inline constexpr std::string_view kLogHeadFile = "log-head.json";
inline constexpr std::string_view kLogLeavesFile = "log-leaves.bin";
inline constexpr std::string_view kLogHeadFormat = "iot-pki-log-head/1";
inline constexpr std::size_t kMaxLogHeadBytes = 4096;
// 16,777,216 certificates: 512 MiB of leaves (docs/trust.md). A larger log is refused
// before it is read.
inline constexpr std::uint64_t kMaxLogLeaves = std::uint64_t{1} << 24;
inline constexpr std::size_t kLeafBytes = 32;

// Hashing and the Merkle tree are libpki's (translog/merkle.hpp): the CA and the gateway
// compute a leaf, a node and a root with the same code.
using Hash = pki::translog::Hash;

// The head as written (checked by parse_log_head: types, format, hex, timestamp).
struct LogHead {
  std::uint64_t tree_size = 0;
  std::string root_hash;    // 64 lowercase hex
  std::string timestamp;    // RFC 3339, UTC ("Z")
  std::string leaves_name;  // always kLogLeavesFile
  std::uint64_t leaves_size = 0;
  std::string leaves_sha256;  // 64 lowercase hex
};

// The last accepted head (trust-state.json "log"); tree_size 0 with an empty root: none.
struct LogMark {
  std::uint64_t tree_size = 0;
  std::string root_hash;
  [[nodiscard]] bool empty() const { return root_hash.empty(); }
  bool operator==(const LogMark&) const = default;
};

// Strict: a JSON object of at most kMaxLogHeadBytes with exactly the keys above, of
// the types above. Throws pki::Error(data) "log: …".
[[nodiscard]] LogHead parse_log_head(std::string_view json);

// The one check of a file against its entry in the verified manifest's "files" list
// (ca-bundle.pem, crl.pem, log-head.json, log-leaves.bin): "" when the entry lists
// exactly this size and SHA-256 (`sha256_hex`, of `data`), else the problem, naming
// the file.
[[nodiscard]] std::string manifest_entry_problem(const nlohmann::json& files, std::string_view name,
                                                 std::string_view data,
                                                 const std::string& sha256_hex);

[[nodiscard]] Hash cert_leaf_hash(X509* cert);  // pki::translog::leaf_hash of its DER
// The Merkle Tree Hash of `leaves` (32-byte leaf hashes, concatenated), streaming.
[[nodiscard]] Hash tree_hash(std::string_view leaves);

struct LogVerdict {
  bool ok = false;
  bool inconsistent = false;  // a valid log that does not extend `previous`: LOG_INCONSISTENT
  std::string reason;         // "log: …"
  LogHead head;               // when ok
};

// Everything but the signature (the manifest's, checked before): the head parses; the
// manifest (already verified) lists log-head.json and log-leaves.bin with these bytes'
// size and SHA-256 and has "log" equal to the head's tree_size and root_hash; the
// leaves are 32 × tree_size bytes, match the head's size and sha256 and hash to its
// root; and, when `previous` is not empty, tree_size ≥ previous.tree_size and the
// first previous.tree_size leaves hash to previous.root_hash. Never throws.
[[nodiscard]] LogVerdict verify_log(std::string_view manifest_json, std::string_view head_json,
                                    std::string_view leaves, const LogMark& previous) noexcept;

// True when the manifest (JSON, already verified) has a "log" member: the export has a
// log, and verify_log must accept it.
[[nodiscard]] bool manifest_has_log(std::string_view manifest_json) noexcept;

// The leaf hashes of a verified log, sorted for binary search (contains: O(log n)).
class LogSet {
 public:
  // Takes the verified leaves and sorts them in place (no copy).
  [[nodiscard]] static std::shared_ptr<const LogSet> adopt(std::vector<Hash>&& leaves,
                                                           LogHead head);
  [[nodiscard]] bool contains(const Hash& leaf) const noexcept;
  [[nodiscard]] std::uint64_t size() const noexcept { return leaves_.size(); }
  [[nodiscard]] const LogHead& head() const noexcept { return head_; }

 private:
  std::vector<Hash> leaves_;
  LogHead head_;
};

// log-leaves.bin read into 32-byte records (pki::fs::open_input rules: non-blocking,
// regular file only; the size checked against kMaxLogLeaves before a byte is read; a
// size not a multiple of 32 refused). Throws pki::Error "trust.manifest: …".
[[nodiscard]] std::vector<Hash> read_log_leaves(const std::string& path);
// The same vector's bytes, for verify_log.
[[nodiscard]] inline std::string_view leaf_bytes(const std::vector<Hash>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * kLeafBytes};
}

}  // namespace gw::revocation
