// SPDX-License-Identifier: Apache-2.0
#pragma once
// iot-ca subcommands, one file each; main.cpp registers them.
#include "common/app.hpp"
#include "workflows/init_ca.hpp"

// The JSON of a CA just made (serial, subject, not_after, path, encrypted) and, when
// its key is not encrypted, the warning, which is also printed on stderr.
[[nodiscard]] nlohmann::json new_ca_doc(const pki::workflows::NewCa& ca);

// --key-uri URI (the new CA key in a PKCS#11 token, RFC 7512) and --pin-file F (its
// PIN, first line). The PIN file fills the same slot as --passphrase-file (`secret_file`):
// every later command opens a token key with its --passphrase-file as the PIN file
// (keys/ca_key.hpp). --pin-file needs --key-uri and excludes `exclusive` options.
void add_key_uri_options(CLI::App* cmd, std::string& key_uri,
                         std::optional<std::filesystem::path>& secret_file,
                         const std::vector<CLI::Option*>& exclusive);

void add_init_command(CLI::App& cli, app::Common& common);
void add_intermediate_command(CLI::App& cli, app::Common& common);
// issuing-request, issuing-import, import-root-crl (the issuing home's side)
void add_issuing_commands(CLI::App& cli, app::Common& common);
void add_sign_command(CLI::App& cli, app::Common& common);
void add_list_commands(CLI::App& cli, app::Common& common);  // list, show
void add_export_command(CLI::App& cli, app::Common& common);
void add_publisher_command(CLI::App& cli, app::Common& common);
void add_journal_command(CLI::App& cli, app::Common& common);
void add_log_command(CLI::App& cli, app::Common& common);      // log proof|consistency|verify
void add_backup_commands(CLI::App& cli, app::Common& common);  // backup, restore
