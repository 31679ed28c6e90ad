// SPDX-License-Identifier: Apache-2.0
#pragma once
// Backing up and restoring a PKI home. A backup is a directory (mode 0700):
//   registry.db     a consistent copy taken with the store's online backup (SQLite's
//                   backup API: never a file copy of a live WAL database), so it can be
//                   taken while iot-provision and iot-revoke keep working
//   root/, issuing/<name>/   each CA's ca.crt and ca.key (the key as it is on disk:
//                   encrypted when the home's is), iot-pki.toml when present
//   MANIFEST.json   every file's size and SHA-256, the journal's record count and head
// Restore checks all of it (hashes, the journal's chain, the manifest's journal head)
// before it writes anything, into a PKI home that does not exist yet.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "ca/home.hpp"

namespace pki::workflows {

inline constexpr std::string_view kBackupManifest = "MANIFEST.json";

// Error(cant_create) when `out` exists. Returns the manifest.
nlohmann::json backup_home(const ca::Home& home, const std::filesystem::path& out);

// Error(data) naming the first problem when the backup is damaged or incomplete;
// Error(cant_create) when the target home exists. Returns the manifest.
nlohmann::json restore_home(const std::filesystem::path& backup, const ca::Home& target);

}  // namespace pki::workflows
