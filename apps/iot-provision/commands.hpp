// SPDX-License-Identifier: Apache-2.0
#pragma once
// iot-provision subcommands, one file each; main.cpp registers them.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/app.hpp"
#include "core/secret.hpp"
#include "fsutil/files.hpp"

void add_token_command(CLI::App& cli, app::Common& common);
void add_enroll_command(CLI::App& cli, app::Common& common);
void add_list_command(CLI::App& cli, app::Common& common);
void add_purge_command(CLI::App& cli, app::Common& common);

namespace prov {

// A --ttl value ("90s", "15m", "2h", "7d"): Error(usage) unless 1 s ≤ ttl ≤ 30 d.
[[nodiscard]] std::int64_t parse_ttl(const std::string& text);

// pki::fs::read_secret_file (regular file, capped, one wiped buffer) that warns on
// stderr when group or others may read the file (token file, manifest).
[[nodiscard]] pki::Secret read_secret(const std::filesystem::path& path, pki::fs::Limit limit);

// Error(cant_create) when `out` exists (unless `force`) or its folder does not exist
// or is not writable: checked before a token is spent. `-` (stdout) always passes.
void require_writable_output(const std::filesystem::path& out, bool force);

struct BatchOptions {
  std::filesystem::path manifest;                // or the token file, with csr_dir
  std::optional<std::filesystem::path> csr_dir;  // DIR/<device_id>.csr per token-file row
  std::filesystem::path out_dir;
  std::optional<std::filesystem::path> report;
  unsigned jobs = 1;
  std::string ca;
  bool chain = false;
  std::optional<std::filesystem::path> passphrase_file;
};

void run_enroll_batch(const app::Common& common, const BatchOptions& options);

}  // namespace prov
