// SPDX-License-Identifier: Apache-2.0
// iot-revoke cert SERIAL [--reason R]: revokes one certificate.
#include <memory>

#include "ca/home.hpp"
#include "common/records.hpp"
#include "core/clock.hpp"
#include "crl/revoke.hpp"
#include "iot-revoke/commands.hpp"

namespace {

struct CertOptions {
  std::string serial;
  std::string reason = "unspecified";
};

void run_cert(const app::Common& common, const CertOptions& o) {
  const pki::crl::Reason reason = pki::crl::parse_reason(o.reason);  // usage errors first
  const pki::ca::Home home(common.home);
  const std::int64_t now = pki::now_unix();
  const auto rec = pki::crl::revoke_cert(*home.open_store(), o.serial, reason, now);
  std::string human = "revoked " + rec.serial + " (" + rec.profile;
  if (!rec.device_id.empty()) human += " " + rec.device_id;
  human += ", " + pki::crl::reason_name(reason) +
           "); publish it with 'iot-ca export' or 'iot-revoke crl'";
  app::emit(common, app::cert_json(rec, now), human);
}

}  // namespace

void add_cert_command(CLI::App& cli, app::Common& common) {
  auto opts = std::make_shared<CertOptions>();
  CLI::App* cmd = cli.add_subcommand("cert", "Revoke one certificate by serial (hex, either case)");
  cmd->add_option("serial", opts->serial, "Serial number, as 'openssl x509 -serial' prints it")
      ->required();
  cmd->add_option("--reason", opts->reason,
                  "RFC 5280 reason: " + pki::crl::reason_names() + " (default unspecified)");
  cmd->callback([&common, opts] { run_cert(common, *opts); });
}
