// SPDX-License-Identifier: Apache-2.0
#pragma once
// The registry as the rest of libpki sees it: narrow domain operations on certificates,
// tokens, CRL numbers and the journal, plus one unit of work. How they are kept is the
// business of one backend folder (store/sqlite/ today); open_store (store/open.hpp)
// picks the backend. No other module sees SQL or a database handle.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pki::store {

struct CertRecord {
  std::string serial;     // uppercase hex
  std::string device_id;  // CN ("" for CAs)
  std::string profile;    // root | issuing | device | server | admin
  std::string issuer;     // CA name
  std::string subject;
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
  std::int64_t issued_at = 0;
  std::string pem;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::string> reason;

  // active | revoked | expired, at time `now`.
  [[nodiscard]] std::string status(std::int64_t now) const;
};

enum class CertStatus { any, active, revoked, expired };
// "" → any; else active | revoked | expired, or Error(usage).
[[nodiscard]] CertStatus parse_cert_status(std::string_view text);

// One entry of a CA's CRL.
struct RevokedEntry {
  std::string serial;
  std::int64_t revoked_at = 0;
  std::optional<std::string> reason;  // the registry's reason name
};

struct TokenRow {
  std::string id;
  std::string device_id;
  std::string hash;  // Argon2id PHC string; the secret is never stored
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> used_at;
  std::optional<std::string> serial;

  // pending | used | expired, at time `now`.
  [[nodiscard]] std::string status(std::int64_t now) const;
};

enum class TokenStatus { any, pending, used, expired };
// "" → any; else pending | used | expired, or Error(usage).
[[nodiscard]] TokenStatus parse_token_status(std::string_view text);

// One record of the hash-chained CA journal (journal/journal.hpp computes the chain).
struct JournalRecord {
  std::int64_t seq = 0;
  std::int64_t ts = 0;
  std::string action;
  std::string detail;  // JSON
  std::string prev;    // hash of the record before ("" for the first)
  std::string hash;
};

// The issuance transparency log (translog/merkle.hpp): one leaf per certificate, in
// issuance order, appended by insert_cert in its own transaction.
struct LogLeaf {
  std::int64_t index = 0;  // 0-based
  std::string serial;
  std::string hash;                // 32 bytes: SHA-256(0x00 ‖ DER)
  std::optional<std::string> pem;  // the certs row's, when asked for (nullopt: no row)
};

// A tree head `iot-ca export` published.
struct LogHead {
  std::int64_t tree_size = 0;
  std::string root;  // 32 bytes
  std::int64_t exported_at = 0;
};

// Every failure is a pki::Error with the exit code of SPEC §4: busy past the timeout →
// temp (75), I/O, full disk, read-only → io (74), a damaged registry → data (65),
// anything else → internal (70). Each backend maps its own errors to these once.
class Store {
 public:
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  virtual ~Store() = default;

  // The unit of work: runs `work` inside one write transaction that holds the write
  // lock from its start (concurrent writers queue, up to the busy timeout). Commits when
  // `work` returns, rolls everything back when it throws (and rethrows). Every method
  // below that changes something must run inside it (Error(internal) otherwise), so a
  // change and its journal record always commit together. Not reentrant.
  virtual void transaction(const std::function<void()>& work) = 0;
  // transaction() for work that returns a value.
  template <class F>
  auto in_transaction(F&& work) -> decltype(work()) {
    std::optional<decltype(work())> out;
    transaction([&] { out.emplace(work()); });
    return std::move(*out);
  }

  // Certificates. insert_cert: Error(internal) for a serial that exists; it also
  // appends the certificate's log leaf (the DER of rec.pem's CERTIFICATE block;
  // Error(internal) when there is none), so no path issues a certificate unlogged.
  virtual void insert_cert(const CertRecord& rec) = 0;
  [[nodiscard]] virtual std::optional<CertRecord> find_cert(std::string_view serial) = 0;
  // Ordered by issue time, then serial.
  [[nodiscard]] virtual std::vector<CertRecord> list_certs(CertStatus status, std::int64_t now) = 0;
  // The device, server and admin certificates whose CN is `device_id`, oldest first.
  [[nodiscard]] virtual std::vector<CertRecord> certs_of_device(std::string_view device_id) = 0;
  // False when the serial is unknown or already revoked (nothing changes then).
  virtual bool mark_revoked(std::string_view serial, std::string_view reason, std::int64_t now) = 0;

  // CRLs. next_crl_number: the last number of `ca` + 1 (1 for the first), spent once the
  // transaction commits.
  [[nodiscard]] virtual std::int64_t next_crl_number(std::string_view ca) = 0;
  [[nodiscard]] virtual std::optional<std::int64_t> last_crl_number(std::string_view ca) = 0;
  [[nodiscard]] virtual std::size_t revoked_count(std::string_view issuer) = 0;
  // Streams the revoked certificates issued by `issuer`, ordered by serial, without
  // holding them all in memory (a CRL can have 1,000,000 entries).
  virtual void for_each_revoked(std::string_view issuer,
                                const std::function<void(const RevokedEntry&)>& fn) = 0;

  // Enrollment tokens. mark_token_used: Error(internal) unless exactly one unused token
  // `id` was changed (callers re-read it under the same transaction first).
  virtual void insert_token(const TokenRow& row) = 0;
  [[nodiscard]] virtual std::optional<TokenRow> find_token(std::string_view id) = 0;
  virtual void mark_token_used(std::string_view id, std::int64_t now, std::string_view serial) = 0;
  // Oldest first.
  [[nodiscard]] virtual std::vector<TokenRow> list_tokens(TokenStatus status, std::int64_t now) = 0;
  virtual void delete_unused_token(std::string_view id) = 0;
  // Deletes the tokens that expired unused; returns how many.
  virtual std::int64_t delete_expired_tokens(std::int64_t now) = 0;

  // The journal, append-only.
  [[nodiscard]] virtual std::optional<JournalRecord> last_journal_record() = 0;
  virtual void insert_journal(const JournalRecord& rec) = 0;
  // Every record in seq order, until `fn` returns false.
  virtual void for_each_journal(const std::function<bool(const JournalRecord&)>& fn) = 0;

  // Read-only views for audits (journal/check.hpp), each streamed: a registry can hold
  // 1,000,000 certificates. read_snapshot runs `work` on one consistent state of the
  // whole registry without taking the write lock (writers go on meanwhile; changes
  // inside `work` are refused). Not reentrant, not inside transaction().
  virtual void read_snapshot(const std::function<void()>& work) = 0;
  // Every certificate, ordered by serial.
  virtual void for_each_cert(const std::function<void(const CertRecord&)>& fn) = 0;
  // Every token row, ordered by id.
  virtual void for_each_token(const std::function<void(const TokenRow&)>& fn) = 0;
  // Every CA's last CRL Number (ca, last), ordered by CA name.
  [[nodiscard]] virtual std::vector<std::pair<std::string, std::int64_t>> crl_numbers() = 0;
  // The newest journal record with `action` whose detail holds the string `value` under
  // the top-level key `key` (e.g. the last "crl" record of one CA).
  [[nodiscard]] virtual std::optional<JournalRecord> last_journal_record_of(
      std::string_view action, std::string_view key, std::string_view value) = 0;
  // The records after `seq` with `action`, in seq order, until `fn` returns false.
  virtual void for_each_journal_after(std::int64_t seq, std::string_view action,
                                      const std::function<bool(const JournalRecord&)>& fn) = 0;

  // The issuance log, read-only (insert_cert appends). Leaves in index order, with the
  // certs row's PEM when `with_pem`, until `fn` returns false.
  [[nodiscard]] virtual std::int64_t log_size() = 0;
  virtual void for_each_log_leaf(bool with_pem, const std::function<bool(const LogLeaf&)>& fn) = 0;
  [[nodiscard]] virtual std::optional<LogLeaf> find_log_leaf(std::string_view serial) = 0;
  // How many certificates have no leaf (0 unless the registry was edited).
  [[nodiscard]] virtual std::int64_t unlogged_cert_count() = 0;
  // The exported heads, oldest first; insert_log_head runs inside transaction().
  [[nodiscard]] virtual std::vector<LogHead> log_heads() = 0;
  virtual void insert_log_head(const LogHead& head) = 0;

  // A consistent copy of the whole registry into `file` (a new file), taken while other
  // processes keep using it; the copy opens with this backend's open.
  virtual void backup_to(const std::filesystem::path& file) = 0;
};

}  // namespace pki::store
