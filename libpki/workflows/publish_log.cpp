// SPDX-License-Identifier: Apache-2.0
#include "workflows/publish_log.hpp"

#include <algorithm>
#include <optional>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"

namespace pki::workflows {
namespace {

namespace tl = translog;

constexpr std::size_t kMaxProblems = 20;

std::string hex_of(std::string_view raw) {
  return hex_lower(as_bytes(raw));
}

class Problems {
 public:
  explicit Problems(LogAudit& a) : a_(a) {}
  void add(std::string text) {
    if (a_.problems.size() < kMaxProblems) a_.problems.push_back("log: " + std::move(text));
    ++a_.problem_count;
  }

 private:
  LogAudit& a_;
};

// The (tree_size, root_hash) of each export record that carries one, in seq order.
std::vector<std::pair<std::int64_t, std::string>> journal_heads(store::Store& db) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  db.for_each_journal_after(0, "export", [&](const store::JournalRecord& r) {
    const auto detail = nlohmann::json::parse(r.detail, nullptr, false);
    if (detail.is_object() && detail.contains("log") && detail["log"].is_object()) {
      const auto& log = detail["log"];
      out.emplace_back(log.value("tree_size", std::int64_t{-1}), log.value("root_hash", ""));
    }
    return true;
  });
  return out;
}

}  // namespace

std::vector<tl::Hash> load_log_leaves(store::Store& db, std::int64_t size) {
  std::vector<tl::Hash> out;
  if (size > 0) out.reserve(static_cast<std::size_t>(size));
  db.for_each_log_leaf(false, [&](const store::LogLeaf& leaf) {
    if (size >= 0 && static_cast<std::int64_t>(out.size()) >= size) return false;
    const auto h = tl::hash_from_bytes(leaf.hash);
    if (!h || leaf.index != static_cast<std::int64_t>(out.size())) {
      throw Error(Exit::data, "log: leaf " + std::to_string(leaf.index) +
                                  " is damaged (run 'iot-ca log verify')");
    }
    out.push_back(*h);
    return true;
  });
  if (size >= 0 && static_cast<std::int64_t>(out.size()) < size) {
    throw Error(Exit::data, "log: the registry holds " + std::to_string(out.size()) +
                                " leaves, fewer than the tree size " + std::to_string(size));
  }
  return out;
}

nlohmann::json LogAudit::to_json() const {
  return {{"ok", ok()},
          {"leaves", leaves},
          {"heads", heads},
          {"problem_count", problem_count},
          {"problems", problems}};
}

LogAudit audit_log(store::Store& db) {
  LogAudit a;
  Problems p(a);
  // Leaves: dense, each the hash of its certificate's DER.
  std::vector<tl::Hash> leaves;
  db.for_each_log_leaf(true, [&](const store::LogLeaf& leaf) {
    const auto expected_index = static_cast<std::int64_t>(leaves.size());
    if (leaf.index != expected_index) {
      p.add("leaf " + std::to_string(expected_index) + " is missing (the next is " +
            std::to_string(leaf.index) + ")");
    }
    const auto h = tl::hash_from_bytes(leaf.hash);
    if (!h) {
      p.add("leaf " + std::to_string(leaf.index) + " (serial " + leaf.serial + ") is not 32 bytes");
      leaves.push_back(tl::Hash{});
      return true;
    }
    if (!leaf.pem) {
      p.add("leaf " + std::to_string(leaf.index) + " names serial " + leaf.serial +
            ", which is not in the registry");
    } else {
      const auto der = tl::pem_certificate_der(*leaf.pem);
      if (!der || tl::leaf_hash(as_bytes(*der)) != *h) {
        p.add("leaf " + std::to_string(leaf.index) + " does not match certificate " + leaf.serial +
              " (the leaf or the certificate was changed)");
      }
    }
    leaves.push_back(*h);
    return true;
  });
  a.leaves = static_cast<std::int64_t>(leaves.size());
  if (const std::int64_t unlogged = db.unlogged_cert_count(); unlogged > 0) {
    p.add(std::to_string(unlogged) + " certificate(s) have no leaf (the log was truncated or " +
          "leaves deleted)");
  }

  // Heads: each the root of the first tree_size leaves (one pass: the streaming root at
  // each head's size). Two heads that are both roots of prefixes of the same leaves are
  // consistent; the proof from the last head to the whole log is also made and verified.
  const std::vector<store::LogHead> heads = db.log_heads();
  a.heads = static_cast<std::int64_t>(heads.size());
  std::vector<std::int64_t> sizes;
  for (const auto& head : heads) sizes.push_back(head.tree_size);
  std::sort(sizes.begin(), sizes.end());
  std::vector<std::pair<std::int64_t, tl::Hash>> prefix_roots;  // sorted by size
  {
    tl::RootBuilder b;
    std::size_t next = 0;
    for (std::size_t n = 0; n <= leaves.size() && next < sizes.size(); ++n) {
      while (next < sizes.size() && sizes[next] == static_cast<std::int64_t>(n)) {
        prefix_roots.emplace_back(sizes[next++], b.root());
      }
      if (n < leaves.size()) b.add(leaves[n]);
    }
  }
  const auto prefix_root = [&](std::int64_t size) -> std::optional<tl::Hash> {
    const auto it = std::lower_bound(prefix_roots.begin(), prefix_roots.end(), size,
                                     [](const auto& e, std::int64_t s) { return e.first < s; });
    if (it == prefix_roots.end() || it->first != size) return std::nullopt;
    return it->second;
  };
  const store::LogHead* prev = nullptr;
  const store::LogHead* last_good = nullptr;
  for (const auto& head : heads) {
    const std::string at = rfc3339(head.exported_at);
    const auto root = tl::hash_from_bytes(head.root);
    if (head.tree_size < 0 || !root) {
      p.add("the head exported at " + at + " is damaged");
      continue;
    }
    if (prev != nullptr && head.tree_size < prev->tree_size) {
      p.add("the head exported at " + at + " (" + std::to_string(head.tree_size) +
            " leaves) is smaller than the one before it (" + std::to_string(prev->tree_size) + ")");
    }
    prev = &head;
    if (head.tree_size > a.leaves) {
      p.add("the head exported at " + at + " has " + std::to_string(head.tree_size) +
            " leaves, the registry only " + std::to_string(a.leaves) + " (the log was truncated)");
      continue;
    }
    if (prefix_root(head.tree_size) != *root) {
      p.add("the registry's first " + std::to_string(head.tree_size) +
            " leaves no longer match the head exported at " + at);
      continue;
    }
    last_good = &head;
  }
  if (last_good != nullptr && a.ok()) {
    const tl::Tree tree(leaves);
    const auto old_size = static_cast<std::uint64_t>(last_good->tree_size);
    if (!tl::verify_consistency(old_size, tree.size(), *tl::hash_from_bytes(last_good->root),
                                tree.root(), tree.consistency_proof(old_size))) {
      p.add("the log is not consistent with the head exported at " +
            rfc3339(last_good->exported_at));
    }
  }

  // The heads as the hash-chained journal recorded them.
  const auto recorded = journal_heads(db);
  if (recorded.size() != heads.size()) {
    p.add("the journal records " + std::to_string(recorded.size()) + " exported heads, the " +
          "registry " + std::to_string(heads.size()));
  } else {
    for (std::size_t i = 0; i < heads.size(); ++i) {
      if (recorded[i].first != heads[i].tree_size || recorded[i].second != hex_of(heads[i].root)) {
        p.add("the head exported at " + rfc3339(heads[i].exported_at) +
              " differs from the one its journal record holds");
      }
    }
  }
  return a;
}

LogExport record_log_head(store::Store& db, std::int64_t now) {
  const LogAudit audit = audit_log(db);
  if (!audit.ok()) {
    const std::string more =
        audit.problem_count > 1
            ? " (and " + std::to_string(audit.problem_count - 1) + " more; run 'iot-ca log verify')"
            : std::string();
    throw Error(Exit::data, audit.problems.front() + more);
  }
  LogExport out;
  tl::RootBuilder root;
  out.leaves.reserve(static_cast<std::size_t>(audit.leaves) * 32);
  db.for_each_log_leaf(false, [&](const store::LogLeaf& leaf) {
    const auto h = *tl::hash_from_bytes(leaf.hash);
    root.add(h);
    out.leaves.append(reinterpret_cast<const char*>(h.data()), h.size());
    return true;
  });
  out.tree_size = static_cast<std::int64_t>(root.size());
  out.root = root.root();
  db.insert_log_head(store::LogHead{
      out.tree_size, std::string(reinterpret_cast<const char*>(out.root.data()), 32), now});
  return out;
}

nlohmann::json log_summary(const LogExport& log) {
  return {{"tree_size", log.tree_size}, {"root_hash", tl::to_hex(log.root)}};
}

std::string log_head_text(const LogExport& log, std::int64_t now) {
  const nlohmann::json head = {
      {"format", kLogHeadFormat},
      {"tree_size", log.tree_size},
      {"root_hash", tl::to_hex(log.root)},
      {"timestamp", rfc3339(now)},
      {"leaves",
       {{"name", kLogLeavesName}, {"size", log.leaves.size()}, {"sha256", sha256_hex(log.leaves)}}},
  };
  return head.dump(2) + "\n";
}

}  // namespace pki::workflows
