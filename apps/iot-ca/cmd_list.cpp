// SPDX-License-Identifier: Apache-2.0
// iot-ca list / show: what the registry knows about issued certificates.
#include "ca/home.hpp"
#include "common/records.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "iot-ca/commands.hpp"
#include "x509/pem.hpp"

namespace {

void run_list(const app::Common& common, const std::string& status) {
  const pki::ca::Home home(common.home);
  const auto db = home.open_store();
  const std::int64_t now = pki::now_unix();
  const auto records = db->list_certs(pki::store::parse_cert_status(status), now);
  nlohmann::json doc = nlohmann::json::array();
  std::string human;
  for (const auto& r : records) {
    doc.push_back(app::cert_json(r, now));
    human += app::cert_line(r, now) + "\n";
  }
  if (records.empty())
    human = "no certificates" + (status.empty() ? "" : " with status " + status) + "\n";
  app::emit(common, doc, human);
}

void run_show(const app::Common& common, const std::string& serial_text) {
  const pki::ca::Home home(common.home);
  const std::string serial = pki::x509::normalize_serial(serial_text);
  const auto rec = home.open_store()->find_cert(serial);
  if (!rec) throw pki::Error(pki::Exit::data, "unknown serial " + serial + " (see 'iot-ca list')");
  const std::int64_t now = pki::now_unix();
  nlohmann::json doc = app::cert_json(*rec, now);
  doc["pem"] = rec->pem;
  app::emit(common, doc, app::cert_line(*rec, now) + "\n" + rec->pem);
}

}  // namespace

void add_list_commands(CLI::App& cli, app::Common& common) {
  auto status = std::make_shared<std::string>();
  CLI::App* list = cli.add_subcommand("list", "List issued certificates");
  list->add_option("--status", *status, "active | revoked | expired")
      ->check(CLI::IsMember({"active", "revoked", "expired"}));
  list->callback([&common, status] { run_list(common, *status); });

  auto serial = std::make_shared<std::string>();
  CLI::App* show = cli.add_subcommand("show", "Show one certificate by serial (hex, either case)");
  show->add_option("serial", *serial, "Serial number")->required();
  show->callback([&common, serial] { run_show(common, *serial); });
}
