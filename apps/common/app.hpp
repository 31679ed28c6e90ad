// SPDX-License-Identifier: Apache-2.0
#pragma once
// The frame every CLI shares: common options (SPEC §4), one place that turns a
// pki::Error into "<tool>: error: <message>" and its exit code.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace app {

struct Common {
  std::filesystem::path home;  // --home, else $IOT_PKI_HOME, else ./pki
  bool json = false;           // --json: one JSON document on stdout
};

// Builds the CLI with `define`, parses argv and runs the chosen subcommand's callback.
// Returns the process exit status.
int run(const std::string& tool, const std::string& description, int argc, char** argv,
        const std::function<void(CLI::App&, Common&)>& define);

// What --version prints: the version, the git commit it was built from ("unknown"
// outside git), and the OpenSSL, SQLite and libsodium versions the process runs with.
[[nodiscard]] std::string version_text(const std::string& tool);

// Ends every --help of `cli` and its subcommands with examples (common/help.cpp), and
// each subcommand's with the global options.
void add_help_footers(CLI::App& cli, const std::string& tool);

// Every command of the PKI tools loads <home>/iot-pki.toml the same strict way before
// it runs (a typo is refused by `list` as by `sign`); a missing file means defaults.
void load_home_settings(const Common& common);

// Prints either the JSON document or the human text, on stdout.
void emit(const Common& common, const nlohmann::json& doc, const std::string& human);

// Progress and notes for humans go to stderr, never to stdout (which may be JSON).
void note(const std::string& line);

// What `init`/`intermediate --no-passphrase` say on stderr and in --json ("warning").
[[nodiscard]] std::string unencrypted_key_warning(const std::filesystem::path& key);

}  // namespace app
