// SPDX-License-Identifier: Apache-2.0
#pragma once
// iot-gateway's subcommands, one file each.
#include <CLI/CLI.hpp>
#include <filesystem>

#include "common/app.hpp"

namespace gwapp {

void define_check_config(CLI::App& cli, app::Common& common);
void define_jwt_key(CLI::App& cli, app::Common& common);
void define_audit(CLI::App& cli, app::Common& common);
void define_run(CLI::App& cli, app::Common& common);

// Runs the gateway in the foreground until SIGTERM; returns the exit status.
int serve(const std::filesystem::path& config_file);

}  // namespace gwapp
