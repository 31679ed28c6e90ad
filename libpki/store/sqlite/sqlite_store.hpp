// SPDX-License-Identifier: Apache-2.0
#pragma once
// The SQLite backend of store::Store: one file (WAL, synchronous=FULL) holding
// certificates, enrollment tokens, revocations, CRL numbers and the CA journal.
#include <memory>

#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace pki::store::sqlite {

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqlitePtr db) : db_(std::move(db)) {}

  // For this folder and its tests: the connection.
  [[nodiscard]] sqlite3* handle() const noexcept { return db_.get(); }

  void transaction(const std::function<void()>& work) override;

  void insert_cert(const CertRecord& rec) override;
  std::optional<CertRecord> find_cert(std::string_view serial) override;
  std::vector<CertRecord> list_certs(CertStatus status, std::int64_t now) override;
  std::vector<CertRecord> certs_of_device(std::string_view device_id) override;
  bool mark_revoked(std::string_view serial, std::string_view reason, std::int64_t now) override;

  std::int64_t next_crl_number(std::string_view ca) override;
  std::optional<std::int64_t> last_crl_number(std::string_view ca) override;
  std::size_t revoked_count(std::string_view issuer) override;
  void for_each_revoked(std::string_view issuer,
                        const std::function<void(const RevokedEntry&)>& fn) override;

  void insert_token(const TokenRow& row) override;
  std::optional<TokenRow> find_token(std::string_view id) override;
  void mark_token_used(std::string_view id, std::int64_t now, std::string_view serial) override;
  std::vector<TokenRow> list_tokens(TokenStatus status, std::int64_t now) override;
  void delete_unused_token(std::string_view id) override;
  std::int64_t delete_expired_tokens(std::int64_t now) override;

  std::optional<JournalRecord> last_journal_record() override;
  void insert_journal(const JournalRecord& rec) override;
  void for_each_journal(const std::function<bool(const JournalRecord&)>& fn) override;

  void read_snapshot(const std::function<void()>& work) override;
  void for_each_cert(const std::function<void(const CertRecord&)>& fn) override;
  void for_each_token(const std::function<void(const TokenRow&)>& fn) override;
  std::vector<std::pair<std::string, std::int64_t>> crl_numbers() override;
  std::optional<JournalRecord> last_journal_record_of(std::string_view action, std::string_view key,
                                                      std::string_view value) override;
  void for_each_journal_after(std::int64_t seq, std::string_view action,
                              const std::function<bool(const JournalRecord&)>& fn) override;

  std::int64_t log_size() override;
  void for_each_log_leaf(bool with_pem, const std::function<bool(const LogLeaf&)>& fn) override;
  std::optional<LogLeaf> find_log_leaf(std::string_view serial) override;
  std::int64_t unlogged_cert_count() override;
  std::vector<LogHead> log_heads() override;
  void insert_log_head(const LogHead& head) override;

  void backup_to(const std::filesystem::path& file) override;

 private:
  // Error(internal) outside transaction(): every change commits with its journal record.
  void require_transaction(std::string_view what) const;
  SqlitePtr db_;
  bool in_txn_ = false;
  bool in_snapshot_ = false;
};

// Opens (creating when `create`) and migrates `path`.
[[nodiscard]] std::unique_ptr<Store> open(const std::filesystem::path& path, bool create);

}  // namespace pki::store::sqlite
