#pragma once
// iot-provision subcommands, one file each; main.cpp registers them.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/app.hpp"
#include "core/secret.hpp"

void add_token_command(CLI::App& cli, app::Common& common);
void add_enroll_command(CLI::App& cli, app::Common& common);
void add_list_command(CLI::App& cli, app::Common& common);
void add_purge_command(CLI::App& cli, app::Common& common);

namespace prov {

// A --ttl value ("90s", "15m", "2h", "7d"): Error(usage) unless 1 s ≤ ttl ≤ 30 d.
[[nodiscard]] std::int64_t parse_ttl(const std::string& text);

// Reads a file that holds a secret (token file, manifest) into a wiped buffer. Warns
// on stderr when group or others may read it.
[[nodiscard]] pki::Secret read_secret_file(const std::filesystem::path& path,
                                           std::size_t max_bytes);

// Writes all of `data` to standard output with write(2), bypassing iostream buffers
// that would keep an unwiped copy of a secret.
void write_stdout(std::string_view data);

// Error(cant_create) when `out` exists (unless `force`) or its folder does not exist
// or is not writable: checked before a token is spent.
void require_writable_output(const std::filesystem::path& out, bool force);

struct BatchOptions {
  std::filesystem::path manifest;
  std::filesystem::path out_dir;
  std::optional<std::filesystem::path> report;
  unsigned jobs = 1;
  std::string ca;
  bool chain = false;
  std::optional<std::filesystem::path> passphrase_file;
};

void run_enroll_batch(const app::Common& common, const BatchOptions& options);

}  // namespace prov
