// SPDX-License-Identifier: Apache-2.0
#pragma once
// Thin RAII layer over SQLite: prepared statements that throw pki::Error carrying
// sqlite3_errmsg, and an IMMEDIATE write transaction that rolls back unless committed.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/handles.hpp"

namespace pki::db {

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind_null(int i);
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
  [[nodiscard]] std::optional<std::string> text_or_null(int col) const;
  [[nodiscard]] std::int64_t int64(int col) const;
  [[nodiscard]] std::optional<std::int64_t> int64_or_null(int col) const;
  [[nodiscard]] bool is_null(int col) const;

 private:
  void check(int rc) const;
  sqlite3* db_;
  SqliteStmtPtr stmt_;
};

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

// Throws the right pki::Error for an SQLite result code (BUSY/LOCKED → temp, 75).
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view what);

}  // namespace pki::db
