// SPDX-License-Identifier: Apache-2.0
// iot-ca log proof | consistency | verify: the issuance transparency log
// (workflows/publish_log.hpp). Proofs are JSON that tests/tools/verify_log.py (or any
// RFC 9162 verifier) checks without this tool; verify audits the registry's log.
#include <cctype>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ca/home.hpp"
#include "core/error.hpp"
#include "iot-ca/commands.hpp"
#include "translog/merkle.hpp"
#include "workflows/publish_log.hpp"

namespace {

namespace tl = pki::translog;

nlohmann::json hex_list(const std::vector<tl::Hash>& path) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : path) out.push_back(tl::to_hex(h));
  return out;
}

// --size, else the last exported head's size.
std::int64_t tree_size_of(pki::store::Store& db, const std::optional<std::int64_t>& size) {
  if (size) return *size;
  const auto heads = db.log_heads();
  if (heads.empty()) {
    throw pki::Error(pki::Exit::usage,
                     "no log head exported yet: run 'iot-ca export' first, or pass --size N");
  }
  return heads.back().tree_size;
}

void write_stdout(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    throw pki::Error(pki::Exit::io, "cannot write to standard output");
  }
}

void run_proof(const app::Common& common, const std::string& serial_arg,
               const std::optional<std::int64_t>& size_opt, bool all) {
  const pki::ca::Home home(common.home);
  const auto db = home.open_store();
  const std::int64_t size = tree_size_of(*db, size_opt);
  const std::int64_t have = db->log_size();
  if (size < 1 || size > have) {
    throw pki::Error(pki::Exit::usage, "tree size " + std::to_string(size) +
                                           " is not between 1 and the log's " +
                                           std::to_string(have) + " leaves");
  }
  const auto leaves = pki::workflows::load_log_leaves(*db, size);
  const tl::Tree tree(leaves);
  const std::string root = tl::to_hex(tree.root());
  const auto doc_of = [&](const std::string& serial, std::uint64_t index) {
    return nlohmann::json{{"serial", serial},
                          {"leaf_index", index},
                          {"tree_size", tree.size()},
                          {"leaf_hash", tl::to_hex(leaves[static_cast<std::size_t>(index)])},
                          {"root_hash", root},
                          {"inclusion_path", hex_list(tree.inclusion_proof(index))}};
  };
  if (all) {  // one JSON line per leaf of the tree
    db->for_each_log_leaf(false, [&](const pki::store::LogLeaf& leaf) {
      if (leaf.index >= size) return false;
      write_stdout(doc_of(leaf.serial, static_cast<std::uint64_t>(leaf.index)).dump() + "\n");
      return true;
    });
    if (std::fflush(stdout) != 0)
      throw pki::Error(pki::Exit::io, "cannot write to standard output");
    return;
  }
  std::string serial = serial_arg;
  for (auto& c : serial) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto leaf = db->find_log_leaf(serial);
  if (!leaf) {
    throw pki::Error(pki::Exit::no_input, "no certificate " + serial + " in the log");
  }
  if (leaf->index >= size) {
    throw pki::Error(pki::Exit::no_input, "certificate " + serial + " is leaf " +
                                              std::to_string(leaf->index) +
                                              ", after the tree of size " + std::to_string(size) +
                                              " (export again, or pass a larger --size)");
  }
  const auto doc = doc_of(serial, static_cast<std::uint64_t>(leaf->index));
  app::emit(common, doc, doc.dump(2));
}

void run_consistency(const app::Common& common, std::int64_t old_size, std::int64_t new_size) {
  const pki::ca::Home home(common.home);
  const auto db = home.open_store();
  const std::int64_t have = db->log_size();
  if (old_size < 0 || old_size > new_size || new_size > have) {
    throw pki::Error(pki::Exit::usage, "need 0 <= OLD_SIZE <= NEW_SIZE <= " + std::to_string(have) +
                                           " (the log's leaves)");
  }
  auto leaves = pki::workflows::load_log_leaves(*db, new_size);
  const tl::Hash old_root =
      tl::root_of({leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(old_size)});
  const tl::Tree tree(std::move(leaves));
  const nlohmann::json doc = {
      {"old_size", old_size},
      {"new_size", new_size},
      {"old_root", tl::to_hex(old_root)},
      {"new_root", tl::to_hex(tree.root())},
      {"consistency_path", hex_list(tree.consistency_proof(static_cast<std::uint64_t>(old_size)))}};
  app::emit(common, doc, doc.dump(2));
}

void run_verify(const app::Common& common) {
  const pki::ca::Home home(common.home);
  const auto db = home.open_store();
  pki::workflows::LogAudit a;
  db->read_snapshot([&] { a = pki::workflows::audit_log(*db); });
  if (!a.ok()) {
    if (common.json) {
      app::emit(common, a.to_json(), "");
    } else {
      for (const auto& p : a.problems) app::note("iot-ca: log verify: " + p);
    }
    const std::string more = a.problem_count > 1
                                 ? " (and " + std::to_string(a.problem_count - 1) + " more)"
                                 : std::string();
    throw pki::Error(pki::Exit::data, a.problems.front() + more);
  }
  app::emit(common, a.to_json(),
            "log OK: " + std::to_string(a.leaves) +
                " leaves, one per certificate, each its certificate's hash; " +
                std::to_string(a.heads) +
                " exported heads, each the root of the leaves it covers, as the journal "
                "recorded them");
}

}  // namespace

void add_log_command(CLI::App& cli, app::Common& common) {
  CLI::App* log = cli.add_subcommand("log", "The issuance transparency log (RFC 9162)");
  log->require_subcommand(1);

  CLI::App* proof =
      log->add_subcommand("proof",
                          "Print the inclusion proof of a certificate (JSON: serial, leaf_index, "
                          "tree_size, leaf_hash, root_hash, inclusion_path)");
  auto serial = std::make_shared<std::string>();
  auto size = std::make_shared<std::optional<std::int64_t>>();
  auto all = std::make_shared<bool>(false);
  proof->add_option("SERIAL", *serial, "The certificate's serial (hex)");
  proof->add_option("--size", *size,
                    "Tree size to prove against (default: the last exported head's)");
  proof->add_flag("--all", *all, "One JSON line per leaf of the tree instead of SERIAL");
  proof->callback([&common, serial, size, all] {
    if (*all == !serial->empty()) {
      throw pki::Error(pki::Exit::usage, "log proof takes SERIAL or --all (one of them)");
    }
    run_proof(common, *serial, *size, *all);
  });

  CLI::App* consistency =
      log->add_subcommand("consistency",
                          "Print the consistency proof between two tree sizes (JSON: old_size, "
                          "new_size, old_root, new_root, consistency_path)");
  auto old_size = std::make_shared<std::int64_t>(0);
  auto new_size = std::make_shared<std::int64_t>(0);
  consistency->add_option("OLD_SIZE", *old_size, "The older tree's size")->required();
  consistency->add_option("NEW_SIZE", *new_size, "The newer tree's size")->required();
  consistency->callback(
      [&common, old_size, new_size] { run_consistency(common, *old_size, *new_size); });

  CLI::App* verify = log->add_subcommand(
      "verify",
      "Recompute every leaf from its certificate, check every exported head's root and "
      "that they agree with the journal");
  verify->callback([&common] { run_verify(common); });
}
