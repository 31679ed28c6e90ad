// SPDX-License-Identifier: Apache-2.0
#include <csignal>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "core/error.hpp"
#include "gateway/config/config.hpp"
#include "gateway/server/gateway.hpp"

namespace gwapp {

int serve(const std::filesystem::path& config_file) {
  // A client that vanishes mid-write must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    gw::config::Config cfg = gw::config::load(config_file);
    gw::server::Gateway gateway(std::move(cfg));
    return gateway.run();
  } catch (const pki::Error& e) {
    std::cerr << "iot-gateway: error: " << e.what() << "\n";
    return e.exit_status();
  } catch (const std::exception& e) {
    std::cerr << "iot-gateway: internal error: " << e.what() << "\n";
    return static_cast<int>(pki::Exit::internal);
  }
}

void define_run(CLI::App& cli, app::Common&) {
  auto* cmd = cli.add_subcommand("run", "Run the gateway in the foreground (same as --config F)");
  auto config = std::make_shared<std::filesystem::path>();
  cmd->add_option("--config", *config, "gateway.toml")->required();
  cmd->callback([config] {
    const int rc = serve(*config);
    if (rc != 0) throw pki::Error(static_cast<pki::Exit>(rc), "gateway stopped with an error");
  });
}

}  // namespace gwapp
