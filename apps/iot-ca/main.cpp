// SPDX-License-Identifier: Apache-2.0
// iot-ca: the offline root and issuing CAs (SPEC §4).
#include "iot-ca/commands.hpp"

int main(int argc, char** argv) {
  return app::run("iot-ca", "Offline root and issuing CAs for an IoT device PKI", argc, argv,
                  [](CLI::App& cli, app::Common& common) {
                    add_init_command(cli, common);
                    add_intermediate_command(cli, common);
                    add_issuing_commands(cli, common);
                    add_sign_command(cli, common);
                    add_list_commands(cli, common);
                    add_export_command(cli, common);
                    add_publisher_command(cli, common);
                    add_journal_command(cli, common);
                    add_log_command(cli, common);
                    add_backup_commands(cli, common);
                  });
}
