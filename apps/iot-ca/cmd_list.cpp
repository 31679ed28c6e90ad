// SPDX-License-Identifier: Apache-2.0
// iot-ca list / show: what the registry knows about issued certificates.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "ca/home.hpp"
#include "common/records.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "iot-ca/commands.hpp"
#include "x509/pem.hpp"

namespace {

struct ListOptions {
  std::string status;    // active | revoked | expired | "" (all)
  std::string expiring;  // a duration: active certificates ending within it
  std::string device;
  std::string issuer;
  std::string profile;
};

// The table a person reads: a header row, columns padded to their widest cell, the
// soonest to end first when --expiring (else in order of issue).
std::string table(const std::vector<pki::store::CertRecord>& rows, std::int64_t now) {
  std::vector<std::array<std::string, 7>> cells = {
      {"SERIAL", "STATUS", "PROFILE", "ISSUER", "SUBJECT", "NOT_AFTER", "REASON"}};
  for (const auto& r : rows) {
    cells.push_back({r.serial, r.status(now), r.profile, r.issuer, r.subject,
                     pki::rfc3339(r.not_after), r.reason.value_or("")});
  }
  std::array<std::size_t, 7> width{};
  for (const auto& row : cells) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

void run_list(const app::Common& common, const ListOptions& o) {
  const pki::ca::Home home(common.home);
  const auto db = home.open_store();
  const std::int64_t now = pki::now_unix();
  std::int64_t horizon = 0;
  if (!o.expiring.empty()) {
    if (!o.status.empty() && o.status != "active") {
      throw pki::Error(pki::Exit::usage,
                       "--expiring lists active certificates; drop --status " + o.status);
    }
    try {
      horizon = now + pki::parse_duration(o.expiring, "--expiring");
    } catch (const pki::Error& e) {
      throw pki::Error(pki::Exit::usage, e.what());  // a flag, not the settings file
    }
  }
  const std::string status = o.expiring.empty() ? o.status : "active";
  auto records = db->list_certs(pki::store::parse_cert_status(status), now);
  std::erase_if(records, [&](const pki::store::CertRecord& r) {
    return (!o.device.empty() && r.device_id != o.device) ||
           (!o.issuer.empty() && r.issuer != o.issuer) ||
           (!o.profile.empty() && r.profile != o.profile) ||
           (horizon != 0 && r.not_after > horizon);
  });
  std::stable_sort(records.begin(), records.end(), [&](const auto& a, const auto& b) {
    return horizon != 0 ? a.not_after < b.not_after : a.issued_at < b.issued_at;
  });
  nlohmann::json doc = nlohmann::json::array();
  for (const auto& r : records) doc.push_back(app::cert_json(r, now));
  std::string human = table(records, now);
  if (records.empty()) {
    human = horizon != 0 ? "no active certificate ends within " + o.expiring + "\n"
                         : "no certificates" + (status.empty() ? "" : " with status " + status) +
                               (o.device.empty() && o.issuer.empty() && o.profile.empty()
                                    ? ""
                                    : " matching the filters") +
                               "\n";
  }
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
  auto opts = std::make_shared<ListOptions>();
  CLI::App* list = cli.add_subcommand("list", "List issued certificates");
  list->add_option("--status", opts->status, "active | revoked | expired")
      ->check(CLI::IsMember({"active", "revoked", "expired"}));
  list->add_option(
      "--expiring", opts->expiring,
      "Only active certificates that end within DURATION (e.g. 30d, 12h), soonest first");
  list->add_option("--device", opts->device, "Only this device id");
  list->add_option("--issuer", opts->issuer,
                   "Only certificates signed by this CA (root, or an issuing CA's name)");
  list->add_option("--profile", opts->profile, "root | issuing | device | server | admin")
      ->check(CLI::IsMember({"root", "issuing", "device", "server", "admin"}));
  list->callback([&common, opts] { run_list(common, *opts); });

  auto serial = std::make_shared<std::string>();
  CLI::App* show = cli.add_subcommand("show", "Show one certificate by serial (hex, either case)");
  show->add_option("serial", *serial, "Serial number")->required();
  show->callback([&common, serial] { run_show(common, *serial); });
}
