// SPDX-License-Identifier: Apache-2.0
#pragma once
// The issuance transparency log at the registry level (the tree itself is
// translog/merkle.hpp): its audit, the head `iot-ca export` records and publishes, and
// the proofs `iot-ca log` prints.
//
// Export writes, beside manifest.json (docs/trust.md):
//   log-leaves.bin     the leaf hashes, 32 bytes each, in index order, nothing else
//   log-head.json      {"format":"iot-pki-log-head/1","tree_size","root_hash","timestamp",
//                       "leaves":{"name","size","sha256"}}
//   log-head.json.p7s  its detached CMS signature by the publisher key
// all three listed in the manifest's "files", whose top-level "log" repeats tree_size and
// root_hash. The head is also kept in the registry (log_heads) and in the export's
// journal record, and export refuses a registry whose log no longer gives the heads it
// published.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"
#include "translog/merkle.hpp"

namespace pki::workflows {

inline constexpr std::string_view kLogLeavesName = "log-leaves.bin";
inline constexpr std::string_view kLogHeadName = "log-head.json";
inline constexpr std::string_view kLogHeadSignatureName = "log-head.json.p7s";
inline constexpr std::string_view kLogHeadFormat = "iot-pki-log-head/1";

// The first `size` leaf hashes (all when size < 0); Error(data) when the log has fewer.
[[nodiscard]] std::vector<translog::Hash> load_log_leaves(store::Store& db, std::int64_t size = -1);

// What `iot-ca log verify` and export check: leaves dense from 0, each the hash of its
// certificate's DER; every certificate has a leaf; every exported head's root is the
// root of the first tree_size leaves, sizes never shrink and each head is consistent
// with the one before (a consistency proof, verified); the heads agree with the export
// records of the hash-chained journal.
struct LogAudit {
  std::int64_t leaves = 0;
  std::int64_t heads = 0;
  std::vector<std::string> problems;  // the first ones, each a sentence starting "log: "
  std::int64_t problem_count = 0;
  [[nodiscard]] bool ok() const noexcept { return problem_count == 0; }
  [[nodiscard]] nlohmann::json to_json() const;
};
[[nodiscard]] LogAudit audit_log(store::Store& db);

// The head an export publishes.
struct LogExport {
  std::int64_t tree_size = 0;
  translog::Hash root{};
  std::string leaves;  // log-leaves.bin
};

// Inside the export's transaction: audit_log (Error(data) naming the first problem, so
// nothing is exported), then the head of every leaf, recorded in log_heads.
[[nodiscard]] LogExport record_log_head(store::Store& db, std::int64_t now);
// {"tree_size", "root_hash"}: the manifest's "log" and the journal record's.
[[nodiscard]] nlohmann::json log_summary(const LogExport& log);
// log-head.json's exact text.
[[nodiscard]] std::string log_head_text(const LogExport& log, std::int64_t now);

}  // namespace pki::workflows
