// SPDX-License-Identifier: Apache-2.0
#pragma once
// iot-revoke subcommands, one file each; main.cpp registers them.
#include "common/app.hpp"

void add_cert_command(CLI::App& cli, app::Common& common);
void add_device_command(CLI::App& cli, app::Common& common);
void add_crl_command(CLI::App& cli, app::Common& common);
void add_list_command(CLI::App& cli, app::Common& common);
