// SPDX-License-Identifier: Apache-2.0
// The registry file: schema, migrations and how a connection is configured.

#include <array>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "store/sqlite/db.hpp"

namespace pki::store::sqlite {
namespace {

// Migration i takes the schema from version i to i+1. Append; never edit one
// that has shipped.
constexpr std::array<std::string_view, kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE certs (
  serial      TEXT PRIMARY KEY,      -- uppercase hex, as `openssl x509 -serial`
  device_id   TEXT,                  -- CN for device/admin/server profiles
  profile     TEXT NOT NULL,         -- root | issuing | device | server | admin
  issuer      TEXT NOT NULL,         -- CA name: 'root' or the issuing CA's name
  subject     TEXT NOT NULL,
  not_before  INTEGER NOT NULL,
  not_after   INTEGER NOT NULL,
  issued_at   INTEGER NOT NULL,
  pem         TEXT NOT NULL,
  revoked_at  INTEGER,
  reason      TEXT
) STRICT;
CREATE INDEX certs_by_device ON certs(device_id);
CREATE INDEX certs_revoked ON certs(issuer, serial) WHERE revoked_at IS NOT NULL;

CREATE TABLE crl_numbers (
  ca    TEXT PRIMARY KEY,
  last  INTEGER NOT NULL
) STRICT;

CREATE TABLE tokens (
  id          TEXT PRIMARY KEY,      -- public lookup key
  device_id   TEXT NOT NULL,
  hash        TEXT NOT NULL,         -- Argon2id PHC string; the secret is never stored
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  serial      TEXT REFERENCES certs(serial)
) STRICT;
CREATE INDEX tokens_by_device ON tokens(device_id);

CREATE TABLE journal (
  seq     INTEGER PRIMARY KEY,
  ts      INTEGER NOT NULL,
  action  TEXT NOT NULL,
  detail  TEXT NOT NULL,            -- JSON
  prev    TEXT NOT NULL,            -- hash of the previous record ('' for the first)
  hash    TEXT NOT NULL             -- SHA-256 over seq, ts, action, detail, prev
) STRICT;
)sql",
    // v2: the CRL query reads (issuer, serial, revoked_at, reason) in serial order; a
    // covering index saves one random row lookup per entry (5.0 s → 1.7 s for 1,000,000
    // revocations, docs/benchmarks.md).
    R"sql(
DROP INDEX certs_revoked;
CREATE INDEX certs_revoked ON certs(issuer, serial, revoked_at, reason) WHERE revoked_at IS NOT NULL;
)sql",
    // v3: the issuance transparency log (translog/merkle.hpp). A leaf per certificate,
    // appended with its certs row; the certificates already there are back-filled after
    // this runs (backfill_log below), in issued_at, serial order. log_heads: each tree
    // head `iot-ca export` published.
    R"sql(
CREATE TABLE log_leaves (
  idx        INTEGER PRIMARY KEY,    -- 0-based, dense, issuance order
  serial     TEXT NOT NULL UNIQUE,  -- certs.serial (no foreign key: a deleted row must show)
  leaf_hash  BLOB NOT NULL CHECK (length(leaf_hash) = 32)  -- SHA-256(0x00 || DER)
) STRICT;
CREATE TABLE log_heads (
  seq          INTEGER PRIMARY KEY,
  tree_size    INTEGER NOT NULL,
  root_hash    BLOB NOT NULL CHECK (length(root_hash) = 32),
  exported_at  INTEGER NOT NULL
) STRICT;
)sql",
};

// The certificates a registry older than v3 holds become the log's first leaves.
void backfill_log(sqlite3* db) {
  Stmt q(db, "SELECT serial, pem FROM certs ORDER BY issued_at, serial");
  while (q.step()) append_log_leaf(db, q.text(0), q.text(1));
}

void configure(sqlite3* db) {
  // FULL: a committed issuance survives power loss; WAL keeps readers unblocked.
  exec(db,
       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
       "PRAGMA secure_delete=ON;");
  ::sqlite3_busy_timeout(db, 15000);
}

void migrate(sqlite3* db, const std::string& where) {
  WriteTxn txn(db);
  const int version = [db] {
    // Scoped: a live statement would lock the schema against the DROPs below.
    Stmt q(db, "PRAGMA user_version");
    q.step();
    return static_cast<int>(q.int64(0));
  }();
  if (version > kSchemaVersion) {
    throw Error(Exit::config, where + ": schema version " + std::to_string(version) +
                                  " is newer than this tool supports (" +
                                  std::to_string(kSchemaVersion) + "); upgrade iot-pki");
  }
  if (version == kSchemaVersion) return;  // the destructor rolls back the empty txn
  for (int v = version; v < kSchemaVersion; ++v) {
    exec(db, kMigrations[static_cast<std::size_t>(v)]);
    if (v == 2) backfill_log(db);
  }
  exec(db, "PRAGMA user_version=" + std::to_string(kSchemaVersion));
  txn.commit();
}

}  // namespace

SqlitePtr open_db(const std::filesystem::path& path, bool create) {
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec)) {
    throw Error(Exit::no_input, "registry " + path.string() +
                                    " does not exist (is --home right? run 'iot-ca init' first)");
  }
  // SQLite opens the database and its side files without O_NONBLOCK: a FIFO in their
  // place would hang every command, a device would be read as a database.
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    pki::fs::require_regular_if_present(path.string() + suffix, "registry file");
  }
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
                    SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE;
  const int rc = ::sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) throw_sqlite(db.get(), rc, "open " + path.string());
  configure(db.get());
  migrate(db.get(), path.string());
  return db;
}

int schema_version(sqlite3* db) {
  Stmt q(db, "PRAGMA user_version");
  q.step();
  return static_cast<int>(q.int64(0));
}

}  // namespace pki::store::sqlite
