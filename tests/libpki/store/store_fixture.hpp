// SPDX-License-Identifier: Apache-2.0
#pragma once
// A registry for unit tests: the SQLite store::Store in a scratch directory, with a
// back door for the raw SQL that tests use to look at or tamper with the file.
#include <filesystem>
#include <memory>
#include <string>

#include "pki_fixture.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace test {

// Opens (creating when `create`) the SQLite store at `path`.
inline std::unique_ptr<pki::store::sqlite::SqliteStore> open_sqlite(
    const std::filesystem::path& path, bool create = true) {
  return std::make_unique<pki::store::sqlite::SqliteStore>(
      pki::store::sqlite::open_db(path, create));
}

// SQL that returns no rows, run directly on the file (outside the store's transactions).
inline void sql_exec(pki::store::sqlite::SqliteStore& s, const std::string& sql) {
  pki::store::sqlite::exec(s.handle(), sql);
}

// The first column of the first row of `sql` (a count).
inline std::int64_t sql_count(pki::store::sqlite::SqliteStore& s, const std::string& sql) {
  pki::store::sqlite::Stmt q(s.handle(), sql);
  q.step();
  return q.int64(0);
}

}  // namespace test
