// SPDX-License-Identifier: Apache-2.0
// iot-ca journal verify: walks the CA journal's hash chain.
#include "ca/home.hpp"
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

}  // namespace

void add_journal_command(CLI::App& cli, app::Common& common) {
  CLI::App* journal = cli.add_subcommand("journal", "The CA journal");
  journal->require_subcommand(1);
  CLI::App* verify = journal->add_subcommand("verify", "Check the journal's hash chain");
  verify->callback([&common] { run_verify(common); });
}
