// SPDX-License-Identifier: Apache-2.0
// iot-revoke device ID [--reason R]: revokes every active certificate of a device in
// one transaction.
#include <memory>

#include "ca/home.hpp"
#include "common/records.hpp"
#include "core/clock.hpp"
#include "crl/revoke.hpp"
#include "iot-revoke/commands.hpp"

namespace {

struct DeviceOptions {
  std::string device_id;
  std::string reason = "unspecified";
};

void run_device(const app::Common& common, const DeviceOptions& o) {
  const pki::crl::Reason reason = pki::crl::parse_reason(o.reason);
  const pki::ca::Home home(common.home);
  const std::int64_t now = pki::now_unix();
  const auto revoked = pki::crl::revoke_device(*home.open_store(), o.device_id, reason, now);
  nlohmann::json list = nlohmann::json::array();
  std::string human = "revoked " + std::to_string(revoked.size()) + " certificate(s) of " +
                      o.device_id + " (" + pki::crl::reason_name(reason) + "):\n";
  for (const auto& rec : revoked) {
    list.push_back(app::cert_json(rec, now));
    human += "  " + rec.serial + "\n";
  }
  human += "publish it with 'iot-ca export' or 'iot-revoke crl'";
  app::emit(common, {{"device_id", o.device_id}, {"revoked", list}}, human);
}

}  // namespace

void add_device_command(CLI::App& cli, app::Common& common) {
  auto opts = std::make_shared<DeviceOptions>();
  CLI::App* cmd = cli.add_subcommand("device", "Revoke every active certificate of a device");
  cmd->add_option("id", opts->device_id, "Device id (the certificates' CN)")->required();
  cmd->add_option("--reason", opts->reason,
                  "RFC 5280 reason: " + pki::crl::reason_names() + " (default unspecified)");
  cmd->callback([&common, opts] { run_device(common, *opts); });
}
