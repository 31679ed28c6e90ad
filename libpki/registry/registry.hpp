// SPDX-License-Identifier: Apache-2.0
#pragma once
// The registry: one SQLite file (WAL, synchronous=FULL) holding certificates,
// enrollment tokens, revocations, CRL numbers and the CA journal.
#include <filesystem>

#include "core/handles.hpp"

namespace pki::db {

// Current schema version (PRAGMA user_version). Older files are migrated forward
// in one transaction when opened; a newer file is refused.
inline constexpr int kSchemaVersion = 2;

class Registry {
 public:
  // Opens (creating when `create`) and migrates. A missing file without `create`
  // is Error(no_input).
  static Registry open(const std::filesystem::path& path, bool create = false);

  [[nodiscard]] sqlite3* handle() const noexcept { return db_.get(); }
  [[nodiscard]] int schema_version() const;

 private:
  explicit Registry(SqlitePtr db) : db_(std::move(db)) {}
  SqlitePtr db_;
};

}  // namespace pki::db
