// SPDX-License-Identifier: Apache-2.0
// iot-ca journal verify: walks the CA journal's hash chain and cross-checks it with the
// registry tables and, with --manifest, an exported head (journal/check.hpp). iot-ca
// journal show: the
// records as JSON lines, for auditors (jq, a SIEM) and for checking the chain elsewhere.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "ca/home.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "iot-ca/commands.hpp"
#include "journal/anchor.hpp"
#include "journal/check.hpp"
#include "journal/journal.hpp"

namespace {

void run_verify(const app::Common& common, const std::optional<std::filesystem::path>& manifest) {
  pki::journal::CheckOptions options;
  // The manifest first: a wrong path or a file that is not a manifest says so before
  // the registry is read.
  if (manifest) options.anchor = pki::journal::read_anchor(*manifest);
  const pki::ca::Home home(common.home);
  const auto db = home.open_store();
  const pki::journal::Report r = pki::journal::check(*db, std::move(options));
  if (!r.ok()) {
    if (common.json) {
      app::emit(common, r.to_json(), "");
    } else {
      for (const auto& p : r.problems) app::note("iot-ca: journal verify: " + p.text());
      if (r.problem_count > static_cast<std::int64_t>(r.problems.size())) {
        app::note("iot-ca: journal verify: … and " +
                  std::to_string(r.problem_count - static_cast<std::int64_t>(r.problems.size())) +
                  " more problems (--json lists the first " + std::to_string(r.problems.size()) +
                  ")");
      }
    }
    const std::string more = r.problem_count > 1
                                 ? " (and " + std::to_string(r.problem_count - 1) + " more)"
                                 : std::string();
    throw pki::Error(pki::Exit::data, r.problems.front().text() + more);
  }
  std::string human = "journal OK: " + std::to_string(r.records) +
                      " records, hash chain intact; matches the registry (" +
                      std::to_string(r.certs) + " certificates, " + std::to_string(r.revoked) +
                      " revoked, " + std::to_string(r.tokens) + " tokens, " +
                      std::to_string(r.crls) + " CRLs)";
  if (r.anchor) {
    human += "\nreaches record " + std::to_string(r.anchor->seq) + ", the head " +
             r.anchor->source + " vouches for (manifest signature: " + r.anchor->signature + ")";
  }
  if (r.legacy_discards > 0) {
    human += "\nnote: " + std::to_string(r.legacy_discards) +
             " missing token rows are accounted for only by older token.discard records that "
             "do not name them";
  }
  app::emit(common, r.to_json(), human);
}

// One JSON object per record, in seq order: seq, ts (RFC 3339), ts_unix, action, detail
// (the JSON text exactly as recorded and hashed: `jq '.detail | fromjson'` opens it),
// prev and hash, so an auditor can recompute the chain without this tool
// (docs/operations.md).
void run_show(const app::Common& common, std::int64_t since) {
  const pki::ca::Home home(common.home);
  const auto db = home.open_store();
  db->for_each_journal([since](const pki::store::JournalRecord& r) {
    if (r.seq < since) return true;
    const nlohmann::json line = {
        {"seq", r.seq},       {"ts", pki::rfc3339(r.ts)}, {"ts_unix", r.ts}, {"action", r.action},
        {"detail", r.detail}, {"prev", r.prev},           {"hash", r.hash}};
    const std::string text = line.dump() + "\n";
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
      throw pki::Error(pki::Exit::io, "cannot write to standard output");
    }
    return true;
  });
  if (std::fflush(stdout) != 0) throw pki::Error(pki::Exit::io, "cannot write to standard output");
}

}  // namespace

void add_journal_command(CLI::App& cli, app::Common& common) {
  CLI::App* journal = cli.add_subcommand("journal", "The CA journal");
  journal->require_subcommand(1);
  CLI::App* verify = journal->add_subcommand(
      "verify",
      "Check the journal's hash chain, that it matches the registry tables, and (--manifest) "
      "that it still reaches the head an export recorded");
  auto manifest = std::make_shared<std::optional<std::filesystem::path>>();
  verify->add_option("--manifest", *manifest,
                     "An exported manifest.json: the journal must still reach, with the same "
                     "hash, the record it names");
  verify->callback([&common, manifest] { run_verify(common, *manifest); });
  CLI::App* show = journal->add_subcommand(
      "show", "Print the journal as JSON lines (seq, ts, action, detail, prev, hash)");
  auto since = std::make_shared<std::int64_t>(1);
  show->add_option("--since", *since, "First record to print (its seq)")
      ->check(CLI::PositiveNumber);
  show->callback([&common, since] { run_show(common, *since); });
}
