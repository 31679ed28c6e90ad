// SPDX-License-Identifier: Apache-2.0
#include <csignal>
#include <memory>

#include "commands.hpp"
#include "core/error.hpp"
#include "gateway/config/config.hpp"
#include "gateway/log/log.hpp"
#include "gateway/server/gateway.hpp"

namespace gwapp {
namespace {

// Runs until SIGTERM; an error that stops the gateway propagates, unprinted, to the
// one place that prints it (serve() below, or app::run for `iot-gateway run`).
int run_gateway(const std::filesystem::path& config_file) {
  // A client that vanishes mid-write must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  gw::config::Config cfg = gw::config::load(config_file);
  gw::server::Gateway gateway(std::move(cfg));
  return gateway.run();
}

}  // namespace

int serve(const std::filesystem::path& config_file) {
  try {
    return run_gateway(config_file);
  } catch (const pki::Error& e) {
    gw::log::error(e.what());
    return e.exit_status();
  } catch (const std::exception& e) {
    gw::log::line(std::string("internal error: ") + e.what());
    return static_cast<int>(pki::Exit::internal);
  }
}

void define_run(CLI::App& cli, app::Common&) {
  auto* cmd = cli.add_subcommand("run", "Run the gateway in the foreground (same as --config F)");
  auto config = std::make_shared<std::filesystem::path>();
  cmd->add_option("--config", *config, "gateway.toml")->required();
  // app::run prints the error (once) and exits with its status.
  cmd->callback([config] { (void)run_gateway(*config); });
}

}  // namespace gwapp
