// SPDX-License-Identifier: Apache-2.0
#pragma once
// iot-ca subcommands, one file each; main.cpp registers them.
#include "common/app.hpp"

void add_init_command(CLI::App& cli, app::Common& common);
void add_intermediate_command(CLI::App& cli, app::Common& common);
void add_sign_command(CLI::App& cli, app::Common& common);
void add_list_commands(CLI::App& cli, app::Common& common);  // list, show
void add_export_command(CLI::App& cli, app::Common& common);
void add_journal_command(CLI::App& cli, app::Common& common);
void add_backup_commands(CLI::App& cli, app::Common& common);  // backup, restore
