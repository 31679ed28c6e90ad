// SPDX-License-Identifier: Apache-2.0
// Every SQL statement of the registry, behind store::Store.
#include "store/sqlite/sqlite_store.hpp"

#include "core/error.hpp"

namespace pki::store::sqlite {
namespace {

constexpr std::string_view kCertColumns =
    "SELECT serial, device_id, profile, issuer, subject, not_before, not_after, issued_at, pem, "
    "revoked_at, reason FROM certs ";

CertRecord cert_row(const Stmt& q) {
  CertRecord r;
  r.serial = q.text(0);
  r.device_id = q.text(1);
  r.profile = q.text(2);
  r.issuer = q.text(3);
  r.subject = q.text(4);
  r.not_before = q.int64(5);
  r.not_after = q.int64(6);
  r.issued_at = q.int64(7);
  r.pem = q.text(8);
  r.revoked_at = q.int64_or_null(9);
  r.reason = q.text_or_null(10);
  return r;
}

std::vector<CertRecord> cert_rows(Stmt& q) {
  std::vector<CertRecord> out;
  while (q.step()) out.push_back(cert_row(q));
  return out;
}

constexpr std::string_view kTokenColumns =
    "SELECT id, device_id, hash, created_at, expires_at, used_at, serial FROM tokens ";

TokenRow token_row(const Stmt& q) {
  return TokenRow{q.text(0),  q.text(1),          q.text(2),        q.int64(3),
                  q.int64(4), q.int64_or_null(5), q.text_or_null(6)};
}

JournalRecord journal_row(const Stmt& q) {
  return JournalRecord{q.int64(0), q.int64(1), q.text(2), q.text(3), q.text(4), q.text(5)};
}

}  // namespace

// The issuance log. Indexes are dense from 0; the next is one past the largest.
void append_log_leaf(sqlite3* db, std::string_view serial, std::string_view pem) {
  Stmt(db,
       "INSERT INTO log_leaves(idx, serial, leaf_hash)"
       " VALUES((SELECT coalesce(max(idx) + 1, 0) FROM log_leaves), ?1, ?2)")
      .bind(1, serial)
      .bind_blob(2, log_leaf_of_pem(pem, serial))
      .step();
}

std::unique_ptr<Store> open(const std::filesystem::path& path, bool create) {
  return std::make_unique<SqliteStore>(open_db(path, create));
}

void SqliteStore::require_transaction(std::string_view what) const {
  if (!in_txn_) {
    throw Error(Exit::internal,
                "registry: " + std::string(what) + " outside a transaction (a bug in iot-pki)");
  }
}

void SqliteStore::transaction(const std::function<void()>& work) {
  if (in_txn_ || in_snapshot_) {
    throw Error(Exit::internal, "registry: nested transaction (a bug in iot-pki)");
  }
  WriteTxn txn(db_.get());
  in_txn_ = true;
  try {
    work();
  } catch (...) {
    in_txn_ = false;
    throw;  // ~WriteTxn rolls back
  }
  in_txn_ = false;
  txn.commit();
}

// Certificates.

void SqliteStore::insert_cert(const CertRecord& r) {
  require_transaction("insert_cert");
  Stmt(db_.get(),
       "INSERT INTO certs(serial, device_id, profile, issuer, subject, not_before, not_after, "
       "issued_at, pem, revoked_at, reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)")
      .bind(1, r.serial)
      .bind(2, r.device_id)
      .bind(3, r.profile)
      .bind(4, r.issuer)
      .bind(5, r.subject)
      .bind(6, r.not_before)
      .bind(7, r.not_after)
      .bind(8, r.issued_at)
      .bind(9, r.pem)
      .bind_opt(10, r.revoked_at)
      .bind_opt(11, r.reason)
      .step();
  append_log_leaf(db_.get(), r.serial, r.pem);
}

std::optional<CertRecord> SqliteStore::find_cert(std::string_view serial) {
  Stmt q(db_.get(), std::string(kCertColumns) + "WHERE serial = ?1");
  q.bind(1, serial);
  if (!q.step()) return std::nullopt;
  return cert_row(q);
}

std::vector<CertRecord> SqliteStore::list_certs(CertStatus status, std::int64_t now) {
  std::string where;
  switch (status) {
    case CertStatus::any:
      where = "WHERE ?1 = ?1 ";
      break;
    case CertStatus::active:
      where = "WHERE revoked_at IS NULL AND not_after >= ?1 ";
      break;
    case CertStatus::revoked:
      where = "WHERE revoked_at IS NOT NULL AND ?1 = ?1 ";
      break;
    case CertStatus::expired:
      where = "WHERE revoked_at IS NULL AND not_after < ?1 ";
      break;
  }
  Stmt q(db_.get(), std::string(kCertColumns) + where + "ORDER BY issued_at, serial");
  q.bind(1, now);
  return cert_rows(q);
}

std::vector<CertRecord> SqliteStore::certs_of_device(std::string_view device_id) {
  Stmt q(db_.get(), std::string(kCertColumns) +
                        "WHERE device_id = ?1 AND profile IN ('device','admin','server')"
                        " ORDER BY issued_at, serial");
  q.bind(1, device_id);
  return cert_rows(q);
}

bool SqliteStore::mark_revoked(std::string_view serial, std::string_view reason, std::int64_t now) {
  require_transaction("mark_revoked");
  Stmt(db_.get(),
       "UPDATE certs SET revoked_at = ?2, reason = ?3 WHERE serial = ?1 AND revoked_at IS NULL")
      .bind(1, serial)
      .bind(2, now)
      .bind(3, reason)
      .step();
  return ::sqlite3_changes(db_.get()) == 1;
}

// CRLs.

std::int64_t SqliteStore::next_crl_number(std::string_view ca) {
  require_transaction("next_crl_number");
  Stmt q(db_.get(),
         "INSERT INTO crl_numbers(ca, last) VALUES(?1, 1)"
         " ON CONFLICT(ca) DO UPDATE SET last = last + 1 RETURNING last");
  q.bind(1, ca);
  if (!q.step()) throw Error(Exit::internal, "CRL number allocation returned nothing");
  const std::int64_t n = q.int64(0);
  while (q.step()) {
  }
  return n;
}

std::optional<std::int64_t> SqliteStore::last_crl_number(std::string_view ca) {
  Stmt q(db_.get(), "SELECT last FROM crl_numbers WHERE ca = ?1");
  q.bind(1, ca);
  if (!q.step()) return std::nullopt;
  return q.int64(0);
}

std::size_t SqliteStore::revoked_count(std::string_view issuer) {
  Stmt q(db_.get(), "SELECT count(*) FROM certs WHERE issuer = ?1 AND revoked_at IS NOT NULL");
  q.bind(1, issuer);
  q.step();
  return static_cast<std::size_t>(q.int64(0));
}

void SqliteStore::for_each_revoked(std::string_view issuer,
                                   const std::function<void(const RevokedEntry&)>& fn) {
  // Ordered by serial through the covering certs_revoked partial index.
  Stmt q(db_.get(),
         "SELECT serial, revoked_at, reason FROM certs"
         " WHERE issuer = ?1 AND revoked_at IS NOT NULL ORDER BY serial");
  q.bind(1, issuer);
  RevokedEntry e;
  while (q.step()) {
    e.serial = q.text(0);
    e.revoked_at = q.int64(1);
    e.reason = q.text_or_null(2);
    fn(e);
  }
}

// Tokens.

void SqliteStore::insert_token(const TokenRow& t) {
  require_transaction("insert_token");
  Stmt(db_.get(),
       "INSERT INTO tokens (id, device_id, hash, created_at, expires_at, used_at, serial) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
      .bind(1, t.id)
      .bind(2, t.device_id)
      .bind(3, t.hash)
      .bind(4, t.created_at)
      .bind(5, t.expires_at)
      .bind_opt(6, t.used_at)
      .bind_opt(7, t.serial)
      .step();
}

std::optional<TokenRow> SqliteStore::find_token(std::string_view id) {
  Stmt q(db_.get(), std::string(kTokenColumns) + "WHERE id = ?1");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return token_row(q);
}

void SqliteStore::mark_token_used(std::string_view id, std::int64_t now, std::string_view serial) {
  require_transaction("mark_token_used");
  Stmt(db_.get(), "UPDATE tokens SET used_at = ?2, serial = ?3 WHERE id = ?1 AND used_at IS NULL")
      .bind(1, id)
      .bind(2, now)
      .bind(3, serial)
      .step();
  if (::sqlite3_changes(db_.get()) != 1) {
    throw Error(Exit::internal, "token row changed under the lock");
  }
}

std::vector<TokenRow> SqliteStore::list_tokens(TokenStatus status, std::int64_t now) {
  std::string where;
  switch (status) {
    case TokenStatus::any:
      where = "WHERE ?1 = ?1 ";
      break;
    case TokenStatus::pending:
      where = "WHERE used_at IS NULL AND expires_at > ?1 ";
      break;
    case TokenStatus::used:
      where = "WHERE used_at IS NOT NULL AND ?1 = ?1 ";
      break;
    case TokenStatus::expired:
      where = "WHERE used_at IS NULL AND expires_at <= ?1 ";
      break;
  }
  Stmt q(db_.get(), std::string(kTokenColumns) + where + "ORDER BY created_at, id");
  q.bind(1, now);
  std::vector<TokenRow> rows;
  while (q.step()) rows.push_back(token_row(q));
  return rows;
}

void SqliteStore::delete_unused_token(std::string_view id) {
  require_transaction("delete_unused_token");
  Stmt(db_.get(), "DELETE FROM tokens WHERE id = ?1 AND used_at IS NULL").bind(1, id).step();
}

std::int64_t SqliteStore::delete_expired_tokens(std::int64_t now) {
  require_transaction("delete_expired_tokens");
  Stmt(db_.get(), "DELETE FROM tokens WHERE used_at IS NULL AND expires_at <= ?1")
      .bind(1, now)
      .step();
  return ::sqlite3_changes(db_.get());
}

// Journal.

std::optional<JournalRecord> SqliteStore::last_journal_record() {
  Stmt q(db_.get(),
         "SELECT seq, ts, action, detail, prev, hash FROM journal ORDER BY seq DESC LIMIT 1");
  if (!q.step()) return std::nullopt;
  return journal_row(q);
}

void SqliteStore::insert_journal(const JournalRecord& r) {
  require_transaction("insert_journal");
  Stmt(db_.get(),
       "INSERT INTO journal(seq, ts, action, detail, prev, hash) VALUES(?1,?2,?3,?4,?5,?6)")
      .bind(1, r.seq)
      .bind(2, r.ts)
      .bind(3, r.action)
      .bind(4, r.detail)
      .bind(5, r.prev)
      .bind(6, r.hash)
      .step();
}

void SqliteStore::for_each_journal(const std::function<bool(const JournalRecord&)>& fn) {
  Stmt q(db_.get(), "SELECT seq, ts, action, detail, prev, hash FROM journal ORDER BY seq");
  while (q.step()) {
    if (!fn(journal_row(q))) return;
  }
}

// Read-only views (journal::check).

void SqliteStore::read_snapshot(const std::function<void()>& work) {
  if (in_txn_ || in_snapshot_) {
    throw Error(Exit::internal, "registry: nested read snapshot (a bug in iot-pki)");
  }
  // A deferred read transaction: in WAL mode every statement inside it reads the state
  // of its first read, whatever other connections commit meanwhile.
  exec(db_.get(), "BEGIN DEFERRED");
  in_snapshot_ = true;
  try {
    work();
  } catch (...) {
    in_snapshot_ = false;
    ::sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  in_snapshot_ = false;
  exec(db_.get(), "COMMIT");
}

void SqliteStore::for_each_cert(const std::function<void(const CertRecord&)>& fn) {
  Stmt q(db_.get(), std::string(kCertColumns) + "ORDER BY serial");
  while (q.step()) fn(cert_row(q));
}

void SqliteStore::for_each_token(const std::function<void(const TokenRow&)>& fn) {
  Stmt q(db_.get(), std::string(kTokenColumns) + "ORDER BY id");
  while (q.step()) fn(token_row(q));
}

std::vector<std::pair<std::string, std::int64_t>> SqliteStore::crl_numbers() {
  Stmt q(db_.get(), "SELECT ca, last FROM crl_numbers ORDER BY ca");
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (q.step()) out.emplace_back(q.text(0), q.int64(1));
  return out;
}

std::optional<JournalRecord> SqliteStore::last_journal_record_of(std::string_view action,
                                                                 std::string_view key,
                                                                 std::string_view value) {
  // Walks back from the newest record; the detail is parsed only for rows of `action`.
  Stmt q(db_.get(),
         "SELECT seq, ts, action, detail, prev, hash FROM journal WHERE action = ?1"
         " AND json_valid(detail) AND json_extract(detail, ?2) = ?3 ORDER BY seq DESC LIMIT 1");
  q.bind(1, action).bind(2, "$." + std::string(key)).bind(3, value);
  if (!q.step()) return std::nullopt;
  return journal_row(q);
}

void SqliteStore::for_each_journal_after(std::int64_t seq, std::string_view action,
                                         const std::function<bool(const JournalRecord&)>& fn) {
  Stmt q(db_.get(),
         "SELECT seq, ts, action, detail, prev, hash FROM journal WHERE seq > ?1 AND action = ?2"
         " ORDER BY seq");
  q.bind(1, seq).bind(2, action);
  while (q.step()) {
    if (!fn(journal_row(q))) return;
  }
}

// Backup: SQLite's online backup API reads a consistent snapshot page by page while
// other connections go on writing (never a file copy of a live WAL database). The copy
// is switched to a rollback journal so it is one self-contained file.
// The issuance log.

std::int64_t SqliteStore::log_size() {
  Stmt q(db_.get(), "SELECT count(*) FROM log_leaves");
  q.step();
  return q.int64(0);
}

void SqliteStore::for_each_log_leaf(bool with_pem, const std::function<bool(const LogLeaf&)>& fn) {
  Stmt q(db_.get(), with_pem ? "SELECT l.idx, l.serial, l.leaf_hash, c.pem FROM log_leaves l"
                               " LEFT JOIN certs c ON c.serial = l.serial ORDER BY l.idx"
                             : "SELECT idx, serial, leaf_hash, NULL FROM log_leaves ORDER BY idx");
  LogLeaf leaf;
  while (q.step()) {
    leaf.index = q.int64(0);
    leaf.serial = q.text(1);
    leaf.hash = q.blob(2);
    leaf.pem = q.text_or_null(3);
    if (!fn(leaf)) return;
  }
}

std::optional<LogLeaf> SqliteStore::find_log_leaf(std::string_view serial) {
  Stmt q(db_.get(), "SELECT idx, serial, leaf_hash FROM log_leaves WHERE serial = ?1");
  q.bind(1, serial);
  if (!q.step()) return std::nullopt;
  return LogLeaf{q.int64(0), q.text(1), q.blob(2), std::nullopt};
}

std::int64_t SqliteStore::unlogged_cert_count() {
  Stmt q(db_.get(),
         "SELECT count(*) FROM certs WHERE NOT EXISTS"
         " (SELECT 1 FROM log_leaves l WHERE l.serial = certs.serial)");
  q.step();
  return q.int64(0);
}

std::vector<LogHead> SqliteStore::log_heads() {
  Stmt q(db_.get(), "SELECT tree_size, root_hash, exported_at FROM log_heads ORDER BY seq");
  std::vector<LogHead> out;
  while (q.step()) out.push_back(LogHead{q.int64(0), q.blob(1), q.int64(2)});
  return out;
}

void SqliteStore::insert_log_head(const LogHead& h) {
  require_transaction("insert_log_head");
  Stmt(db_.get(), "INSERT INTO log_heads(tree_size, root_hash, exported_at) VALUES(?1, ?2, ?3)")
      .bind(1, h.tree_size)
      .bind_blob(2, h.root)
      .bind(3, h.exported_at)
      .step();
}

void SqliteStore::backup_to(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    throw Error(Exit::cant_create, file.string() + " already exists");
  }
  sqlite3* raw = nullptr;
  const int rc = ::sqlite3_open_v2(
      file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE,
      nullptr);
  SqlitePtr dest(raw);
  if (rc != SQLITE_OK) throw_sqlite(dest.get(), rc, "backup: open " + file.string());
  sqlite3_backup* b = ::sqlite3_backup_init(dest.get(), "main", db_.get(), "main");
  if (b == nullptr) throw_sqlite(dest.get(), ::sqlite3_errcode(dest.get()), "backup: start");
  // A writer that commits meanwhile restarts the copy; 15 s of busy waits at most, like
  // the busy timeout of every other connection.
  int step = SQLITE_OK;
  for (int waits = 0; waits < 750;) {
    step = ::sqlite3_backup_step(b, 256);
    if (step == SQLITE_BUSY || step == SQLITE_LOCKED) {
      ::sqlite3_sleep(20);
      ++waits;
    } else if (step != SQLITE_OK) {
      break;
    }
  }
  const int done = ::sqlite3_backup_finish(b);
  if (step != SQLITE_DONE) throw_sqlite(dest.get(), step, "backup: copy");
  if (done != SQLITE_OK) throw_sqlite(dest.get(), done, "backup: finish");
  exec(dest.get(), "PRAGMA journal_mode=DELETE");
  const int closed = ::sqlite3_close(dest.release());
  if (closed != SQLITE_OK) throw_sqlite(nullptr, closed, "backup: close " + file.string());
}

}  // namespace pki::store::sqlite
