// SPDX-License-Identifier: Apache-2.0
// iot-revoke: revokes certificates and publishes CRLs (SPEC §4).
#include "iot-revoke/commands.hpp"

int main(int argc, char** argv) {
  return app::run("iot-revoke", "Revoke IoT PKI certificates and publish X.509 v2 CRLs", argc, argv,
                  [](CLI::App& cli, app::Common& common) {
                    add_cert_command(cli, common);
                    add_device_command(cli, common);
                    add_crl_command(cli, common);
                    add_list_command(cli, common);
                  });
}
