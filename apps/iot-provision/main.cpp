// SPDX-License-Identifier: Apache-2.0
// iot-provision: factory-line enrollment with single-use Argon2id tokens (SPEC §4).
#include <sys/resource.h>

#include "iot-provision/commands.hpp"

int main(int argc, char** argv) {
  // This process holds tokens in memory: a crash must not write them into a core file.
  const struct rlimit no_core { 0, 0 };
  ::setrlimit(RLIMIT_CORE, &no_core);
  return app::run("iot-provision", "Factory-line device enrollment with single-use tokens", argc,
                  argv, [](CLI::App& cli, app::Common& common) {
                    add_token_command(cli, common);
                    add_enroll_command(cli, common);
                    add_list_command(cli, common);
                    add_purge_command(cli, common);
                  });
}
