// SPDX-License-Identifier: Apache-2.0
// iot-provision list / purge: what tokens exist and in which state. Never a secret,
// never a hash: ids, devices, times and the serial a token bought.
#include "ca/home.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "iot-provision/commands.hpp"
#include "token/store.hpp"

namespace {

nlohmann::json token_json(const pki::token::TokenRow& t, std::int64_t now) {
  nlohmann::json j = {{"id", t.id},
                      {"device_id", t.device_id},
                      {"status", t.status(now)},
                      {"created_at", pki::rfc3339(t.created_at)},
                      {"expires_at", pki::rfc3339(t.expires_at)},
                      {"used_at", nullptr},
                      {"serial", nullptr}};
  if (t.used_at) j["used_at"] = pki::rfc3339(*t.used_at);
  if (t.serial) j["serial"] = *t.serial;
  return j;
}

std::string token_line(const pki::token::TokenRow& t, std::int64_t now) {
  std::string line = t.id + "  " + t.device_id + "  " + t.status(now);
  if (t.used_at) {
    line += "  used " + pki::rfc3339(*t.used_at) + "  serial " + t.serial.value_or("?");
  } else {
    line += "  expires " + pki::rfc3339(t.expires_at);
  }
  return line;
}

void run_list(const app::Common& common, const std::string& status) {
  const pki::ca::Home home(common.home);
  const std::int64_t now = pki::now_unix();
  const auto rows = pki::token::list_tokens(*home.open_store(), status, now);
  nlohmann::json doc = nlohmann::json::array();
  std::string human;
  for (const auto& t : rows) {
    doc.push_back(token_json(t, now));
    human += token_line(t, now) + "\n";
  }
  if (rows.empty()) human = "no tokens" + (status.empty() ? "" : " " + status) + "\n";
  app::emit(common, doc, human);
}

}  // namespace

void add_list_command(CLI::App& cli, app::Common& common) {
  struct Flags {
    bool pending = false, used = false, expired = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = cli.add_subcommand("list", "List tokens (never their secrets)");
  auto* p = cmd->add_flag("--pending", f->pending, "Only tokens that can still be redeemed");
  auto* u = cmd->add_flag("--used", f->used, "Only redeemed tokens")->excludes(p);
  cmd->add_flag("--expired", f->expired, "Only expired, never-used tokens")
      ->excludes(p)
      ->excludes(u);
  cmd->callback([&common, f] {
    run_list(common, f->pending ? "pending" : f->used ? "used" : f->expired ? "expired" : "");
  });
}

void add_purge_command(CLI::App& cli, app::Common& common) {
  CLI::App* cmd = cli.add_subcommand("purge", "Delete expired tokens that were never used");
  cmd->callback([&common] {
    const pki::ca::Home home(common.home);
    const std::int64_t n = pki::token::purge_expired(*home.open_store(), pki::now_unix());
    app::emit(common, {{"purged", n}},
              "Purged " + std::to_string(n) + " expired, unused token" + (n == 1 ? "" : "s"));
  });
}
