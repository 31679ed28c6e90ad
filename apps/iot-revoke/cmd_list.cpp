// SPDX-License-Identifier: Apache-2.0
// iot-revoke list: the revoked certificates, oldest revocation first.
#include "ca/home.hpp"
#include "common/records.hpp"
#include "core/clock.hpp"
#include "crl/revoke.hpp"
#include "iot-revoke/commands.hpp"

namespace {

void run_list(const app::Common& common) {
  const pki::ca::Home home(common.home);
  const std::int64_t now = pki::now_unix();
  nlohmann::json doc = nlohmann::json::array();
  std::string human;
  for (const auto& rec : pki::crl::list_revoked(*home.open_store())) {
    doc.push_back(app::cert_json(rec, now));
    human += rec.serial + "  " + pki::rfc3339(rec.revoked_at.value_or(0)) + "  " +
             rec.reason.value_or("unspecified") + "  " + rec.profile + "  " +
             (rec.device_id.empty() ? rec.subject : rec.device_id) + "  (issuer " + rec.issuer +
             ")\n";
  }
  if (doc.empty()) human = "no revoked certificates\n";
  app::emit(common, doc, human);
}

}  // namespace

void add_list_command(CLI::App& cli, app::Common& common) {
  CLI::App* cmd = cli.add_subcommand("list", "List revoked certificates");
  cmd->callback([&common] { run_list(common); });
}
