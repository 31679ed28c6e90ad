// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/db.hpp"

#include "core/encoding.hpp"
#include "translog/merkle.hpp"

namespace pki::store::sqlite {

std::string library_version() {
  return ::sqlite3_libversion();
}

Exit exit_for(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Exit::temp;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Exit::io;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Exit::data;
    default:
      return Exit::internal;
  }
}

void throw_sqlite(sqlite3* db, int rc, std::string_view what) {
  const Exit code = exit_for(rc);
  std::string msg = "registry: " + std::string(what) + ": " +
                    (db != nullptr ? ::sqlite3_errmsg(db) : ::sqlite3_errstr(rc));
  if (code == Exit::temp) msg += " (the registry is busy; retry)";
  if (code == Exit::data) msg += " (the registry file is damaged; restore it from a backup)";
  throw Error(code, msg);
}

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  const int rc = ::sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "prepare");
}

void Stmt::check(int rc) const {
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
}

Stmt& Stmt::bind(int i, std::string_view v) {
  check(
      ::sqlite3_bind_text(stmt_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  return *this;
}

Stmt& Stmt::bind_blob(int i, std::string_view v) {
  check(
      ::sqlite3_bind_blob(stmt_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  return *this;
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  check(::sqlite3_bind_int64(stmt_.get(), i, v));
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  check(::sqlite3_bind_null(stmt_.get(), i));
  return *this;
}

bool Stmt::step() {
  const int rc = ::sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite(db_, rc, "step");
}

void Stmt::reset() {
  ::sqlite3_reset(stmt_.get());
  ::sqlite3_clear_bindings(stmt_.get());
}

std::string Stmt::text(int col) const {
  const auto* p = ::sqlite3_column_text(stmt_.get(), col);
  const int n = ::sqlite3_column_bytes(stmt_.get(), col);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
                      : std::string();
}

std::string Stmt::blob(int col) const {
  const void* p = ::sqlite3_column_blob(stmt_.get(), col);
  const int n = ::sqlite3_column_bytes(stmt_.get(), col);
  return p != nullptr ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n))
                      : std::string();
}

std::optional<std::string> Stmt::text_or_null(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

std::int64_t Stmt::int64(int col) const {
  return ::sqlite3_column_int64(stmt_.get(), col);
}

std::optional<std::int64_t> Stmt::int64_or_null(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

bool Stmt::is_null(int col) const {
  return ::sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL;
}

void exec(sqlite3* db, std::string_view sql) {
  const std::string s(sql);
  const int rc = ::sqlite3_exec(db, s.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw_sqlite(db, rc, "exec");
}

WriteTxn::WriteTxn(sqlite3* db) : db_(db) {
  Stmt(db_, "BEGIN IMMEDIATE").step();
}

WriteTxn::~WriteTxn() {
  if (db_ != nullptr) ::sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTxn::commit() {
  Stmt(db_, "COMMIT").step();
  db_ = nullptr;
}

std::string log_leaf_of_pem(std::string_view pem, std::string_view serial) {
  const auto der = translog::pem_certificate_der(pem);
  if (!der) {
    throw Error(Exit::internal, "registry: certificate " + std::string(serial) +
                                    " has no PEM CERTIFICATE block to log (a bug in iot-pki)");
  }
  const translog::Hash h = translog::leaf_hash(as_bytes(*der));
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

}  // namespace pki::store::sqlite
