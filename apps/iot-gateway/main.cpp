// SPDX-License-Identifier: Apache-2.0
// iot-gateway: the mTLS + JWT gateway (SPEC §5). `iot-gateway --config F` runs it in
// the foreground; the subcommands are tools around it.
#include <cstring>
#include <iostream>
#include <string_view>

#include "commands.hpp"
#include "core/error.hpp"

namespace {

bool is_subcommand(std::string_view a) {
  return a == "check-config" || a == "jwt-key" || a == "audit" || a == "run";
}

// The systemd form, `iot-gateway --config F`, has no subcommand.
int serve_main(int argc, char** argv) {
  CLI::App cli("IoT mTLS gateway: device JWTs and an authenticated reverse proxy", "iot-gateway");
  std::filesystem::path config;
  cli.set_version_flag(
      "--version", [] { return app::version_text("iot-gateway"); },
      "Print the version, git commit and library versions, and exit");
  cli.add_option("--config", config, "gateway.toml")->required();
  cli.footer(
      "Subcommands: check-config --config F | jwt-key new --dir DIR | audit verify [--key PUB] "
      "[--stopped] FILE... | audit key new --out F");
  app::add_help_footers(cli, "iot-gateway");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "iot-gateway: error: " << e.what() << "\nRun 'iot-gateway --help' for usage.\n";
    return static_cast<int>(pki::Exit::usage);
  }
  return gwapp::serve(config);
}

}  // namespace

int main(int argc, char** argv) {
  bool sub = false;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '-') {
      sub = is_subcommand(argv[i]);
      break;
    }
  }
  if (!sub) return serve_main(argc, argv);
  return app::run("iot-gateway", "IoT mTLS gateway tools", argc, argv,
                  [](CLI::App& cli, app::Common& common) {
                    gwapp::define_run(cli, common);
                    gwapp::define_check_config(cli, common);
                    gwapp::define_jwt_key(cli, common);
                    gwapp::define_audit(cli, common);
                  });
}
