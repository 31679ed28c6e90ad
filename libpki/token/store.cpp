// SPDX-License-Identifier: Apache-2.0
#include "token/store.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "ca/issue.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "journal/journal.hpp"
#include "registry/sqlite.hpp"
#include "token/argon2.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::token {
namespace {

constexpr std::string_view kColumns =
    "SELECT id, device_id, hash, created_at, expires_at, used_at, serial FROM tokens ";

TokenRow row_from(const db::Stmt& q) {
  return TokenRow{q.text(0),  q.text(1),          q.text(2),        q.int64(3),
                  q.int64(4), q.int64_or_null(5), q.text_or_null(6)};
}

// Runs `fn(i)` for i in [0, n) on up to `jobs` threads; rethrows the first failure.
void parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& fn) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mu;
  const auto work = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        fn(i);
      } catch (...) {
        const std::lock_guard lock(failure_mu);
        if (!failure) failure = std::current_exception();
        next = n;
      }
    }
  };
  const unsigned threads = std::max(1U, std::min<unsigned>(jobs, static_cast<unsigned>(n)));
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
  }
  if (failure) std::rethrow_exception(failure);
}

bool same_public_key(const db::CertRecord& rec, const x509::Csr& csr) {
  const X509Ptr cert = x509::cert_from_pem(rec.pem, "certificate " + rec.serial);
  return ::EVP_PKEY_eq(::X509_get0_pubkey(cert.get()), ::X509_REQ_get0_pubkey(csr.req.get())) == 1;
}

}  // namespace

std::string TokenRow::status(std::int64_t now) const {
  if (used_at) return "used";
  return now >= expires_at ? "expired" : "pending";
}

std::vector<NewToken> create_tokens(sqlite3* db, std::span<const std::string> device_ids,
                                    std::int64_t ttl_seconds, const config::Argon2Cost& cost,
                                    std::int64_t now, unsigned jobs) {
  for (const auto& id : device_ids) x509::require_device_id(id);
  if (ttl_seconds <= 0) throw Error(Exit::usage, "the token TTL must be positive");
  std::vector<NewToken> out(device_ids.size());
  std::vector<std::string> hashes(device_ids.size());
  // Argon2id is the slow part, and independent per token: hash before taking the lock.
  parallel_for(device_ids.size(), jobs, [&](std::size_t i) {
    const Token t = generate();
    hashes[i] = hash_secret(t.secret.view(), cost);
    out[i] = NewToken{t.id, device_ids[i], now + ttl_seconds, format(t)};
  });
  db::WriteTxn txn(db);
  db::Stmt ins(db,
               "INSERT INTO tokens (id, device_id, hash, created_at, expires_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5)");
  for (std::size_t i = 0; i < out.size(); ++i) {
    ins.bind(1, out[i].id).bind(2, out[i].device_id).bind(3, hashes[i]).bind(4, now);
    ins.bind(5, out[i].expires_at).step();
    ins.reset();
    journal::append(db, "token.create",
                    {{"id", out[i].id},
                     {"device_id", out[i].device_id},
                     {"expires_at", rfc3339(out[i].expires_at)}});
  }
  txn.commit();
  return out;
}

void discard_tokens(sqlite3* db, std::span<const NewToken> tokens) {
  db::WriteTxn txn(db);
  db::Stmt del(db, "DELETE FROM tokens WHERE id = ?1 AND used_at IS NULL");
  for (const auto& t : tokens) {
    del.bind(1, t.id).step();
    del.reset();
  }
  journal::append(db, "token.discard",
                  {{"count", tokens.size()}, {"why", "the token output could not be written"}});
  txn.commit();
}

std::optional<TokenRow> find_token(sqlite3* db, std::string_view id) {
  db::Stmt q(db, std::string(kColumns) + "WHERE id = ?1");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return row_from(q);
}

TokenRow authenticate(sqlite3* db, const Token& token, const config::Argon2Cost& cost) {
  const std::string denied = "authentication failed: unknown token or wrong secret";
  std::optional<TokenRow> row = find_token(db, token.id);
  if (!row) {
    burn_equivalent_time(token.secret.view(), cost);
    throw Error(Exit::denied, denied);
  }
  if (!verify_secret(row->hash, token.secret.view())) throw Error(Exit::denied, denied);
  return std::move(*row);
}

void require_device_match(const TokenRow& row, std::string_view common_name) {
  if (common_name != row.device_id) {
    throw Error(Exit::denied, "the token is for device '" + row.device_id +
                                  "' but the CSR's CN is '" +
                                  std::string(common_name).substr(0, 80) + "'");
  }
}

Redeemed redeem(sqlite3* db, const TokenRow& row, const x509::Csr& csr, const x509::Signer& signer,
                const config::Settings& settings, std::int64_t now, const RedeemOptions& options) {
  require_device_match(row, csr.common_name);
  db::WriteTxn txn(db);
  // Re-read under the write lock: another process may have redeemed it meanwhile.
  const std::optional<TokenRow> cur = find_token(db, row.id);
  if (!cur) throw Error(Exit::denied, "the token no longer exists (purged?)");
  if (cur->used_at) {
    const std::string serial = cur->serial.value_or("?");
    if (options.reemit_same_key && cur->serial) {
      std::optional<db::CertRecord> rec = db::find_cert(db, *cur->serial);
      if (rec && same_public_key(*rec, csr)) return Redeemed{std::move(*rec), true, {}};
    }
    throw Error(Exit::denied, "the token was already used at " + rfc3339(*cur->used_at) +
                                  " (certificate " + serial + ")");
  }
  if (now >= cur->expires_at) {
    throw Error(Exit::denied, "the token expired at " + rfc3339(cur->expires_at));
  }
  const x509::LeafSpec spec{x509::Profile::device, csr.common_name, {}, settings.device_days};
  const auto t0 = std::chrono::steady_clock::now();
  ca::Issued issued =
      ca::issue_leaf(db, signer, ::X509_REQ_get0_pubkey(csr.req.get()), spec, settings);
  const auto issue_time = std::chrono::steady_clock::now() - t0;
  db::Stmt(db, "UPDATE tokens SET used_at = ?2, serial = ?3 WHERE id = ?1 AND used_at IS NULL")
      .bind(1, cur->id)
      .bind(2, now)
      .bind(3, issued.record.serial)
      .step();
  if (::sqlite3_changes(db) != 1) throw Error(Exit::internal, "token row changed under the lock");
  journal::append(
      db, "token.redeem",
      {{"id", cur->id}, {"device_id", cur->device_id}, {"serial", issued.record.serial}});
  if (options.before_commit) options.before_commit(issued.record);
  txn.commit();
  return Redeemed{std::move(issued.record), false, issue_time};
}

std::vector<TokenRow> list_tokens(sqlite3* db, std::string_view status, std::int64_t now) {
  std::string where;
  if (status == "pending") {
    where = "WHERE used_at IS NULL AND expires_at > ?1 ";
  } else if (status == "used") {
    where = "WHERE used_at IS NOT NULL AND ?1 = ?1 ";
  } else if (status == "expired") {
    where = "WHERE used_at IS NULL AND expires_at <= ?1 ";
  } else if (!status.empty()) {
    throw Error(Exit::usage, "unknown token status '" + std::string(status) + "'");
  } else {
    where = "WHERE ?1 = ?1 ";
  }
  db::Stmt q(db, std::string(kColumns) + where + "ORDER BY created_at, id");
  q.bind(1, now);
  std::vector<TokenRow> rows;
  while (q.step()) rows.push_back(row_from(q));
  return rows;
}

std::int64_t purge_expired(sqlite3* db, std::int64_t now) {
  db::WriteTxn txn(db);
  db::Stmt(db, "DELETE FROM tokens WHERE used_at IS NULL AND expires_at <= ?1").bind(1, now).step();
  const std::int64_t n = ::sqlite3_changes(db);
  if (n > 0) journal::append(db, "token.purge", {{"count", n}});
  txn.commit();
  return n;
}

}  // namespace pki::token
