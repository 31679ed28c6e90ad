// SPDX-License-Identifier: Apache-2.0
#pragma once
// Thin RAII layer over SQLite, private to this folder: prepared statements that throw
// pki::Error carrying sqlite3_errmsg, an IMMEDIATE write transaction that rolls back
// unless committed, and the one mapping of SQLite result codes to exit codes.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/handles.hpp"

namespace pki::store::sqlite {

using SqlitePtr = std::unique_ptr<sqlite3, Deleter<sqlite3_close_v2>>;
using SqliteStmtPtr = std::unique_ptr<sqlite3_stmt, Deleter<sqlite3_finalize>>;

// The one mapping (SPEC §4): BUSY/LOCKED → temp (75); IOERR, FULL, CANTOPEN, READONLY,
// PERM → io (74); CORRUPT, NOTADB → data (65, a damaged registry); the rest → internal.
[[nodiscard]] Exit exit_for(int rc) noexcept;
// Throws the pki::Error of exit_for(rc), with what was being done and SQLite's message.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view what);

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind_null(int i);
  Stmt& bind_blob(int i, std::string_view v);
  Stmt& bind_opt(int i, const std::optional<std::string>& v) {
    return v ? bind(i, std::string_view(*v)) : bind_null(i);
  }
  Stmt& bind_opt(int i, const std::optional<std::int64_t>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }
  // True while a row is available.
  bool step();
  void reset();

  [[nodiscard]] std::string text(int col) const;
  [[nodiscard]] std::string blob(int col) const;
  [[nodiscard]] std::optional<std::string> text_or_null(int col) const;
  [[nodiscard]] std::int64_t int64(int col) const;
  [[nodiscard]] std::optional<std::int64_t> int64_or_null(int col) const;
  [[nodiscard]] bool is_null(int col) const;

 private:
  void check(int rc) const;
  sqlite3* db_;
  SqliteStmtPtr stmt_;
};

// The log leaf of a certificate PEM (translog::leaf_hash of its DER), 32 bytes;
// Error(internal) when the PEM holds no CERTIFICATE block.
[[nodiscard]] std::string log_leaf_of_pem(std::string_view pem, std::string_view serial);

// Appends the log leaf of certificate `serial` (insert_cert, and the v3 back-fill).
void append_log_leaf(sqlite3* db, std::string_view serial, std::string_view pem);

// Executes SQL that returns no rows (possibly several statements).
void exec(sqlite3* db, std::string_view sql);

// IMMEDIATE takes the write lock at BEGIN, where busy_timeout applies; a deferred
// transaction that upgrades later can hit a BUSY that no retry fixes.
class WriteTxn {
 public:
  explicit WriteTxn(sqlite3* db);
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;
  ~WriteTxn();
  void commit();

 private:
  sqlite3* db_;
};

// Opens (creating when `create`), configures (WAL, synchronous=FULL, busy timeout) and
// migrates the registry file (schema.cpp).
[[nodiscard]] SqlitePtr open_db(const std::filesystem::path& path, bool create);
// PRAGMA user_version.
[[nodiscard]] int schema_version(sqlite3* db);
// Current schema version. Older files are migrated forward in one transaction when
// opened; a newer file is refused.
inline constexpr int kSchemaVersion = 3;

// sqlite3_libversion(): the library the process runs with.
[[nodiscard]] std::string library_version();

}  // namespace pki::store::sqlite
