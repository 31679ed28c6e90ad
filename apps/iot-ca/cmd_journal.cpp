// SPDX-License-Identifier: Apache-2.0
// iot-ca journal verify: walks the CA journal's hash chain. iot-ca journal show: the
// records as JSON lines, for auditors (jq, a SIEM) and for checking the chain elsewhere.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "ca/home.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "iot-ca/commands.hpp"
#include "journal/journal.hpp"

namespace {

void run_verify(const app::Common& common) {
  const pki::ca::Home home(common.home);
  const auto db = home.open_store();
  const pki::journal::Verdict v = pki::journal::verify(*db);
  if (!v.ok) {
    throw pki::Error(pki::Exit::data,
                     "journal record " + std::to_string(v.bad_seq) + ": " + v.problem);
  }
  app::emit(common, {{"ok", true}, {"records", v.records}},
            "journal OK: " + std::to_string(v.records) + " records, hash chain intact");
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
  CLI::App* verify = journal->add_subcommand("verify", "Check the journal's hash chain");
  verify->callback([&common] { run_verify(common); });
  CLI::App* show = journal->add_subcommand(
      "show", "Print the journal as JSON lines (seq, ts, action, detail, prev, hash)");
  auto since = std::make_shared<std::int64_t>(1);
  show->add_option("--since", *since, "First record to print (its seq)")
      ->check(CLI::PositiveNumber);
  show->callback([&common, since] { run_show(common, *since); });
}
