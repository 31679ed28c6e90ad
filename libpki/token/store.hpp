// SPDX-License-Identifier: Apache-2.0
#pragma once
// The tokens table: creating single-use enrollment tokens, redeeming one exactly once
// together with the certificate it buys, listing and purging. Only the public id and
// an Argon2id hash are stored; no function here logs, journals or returns a secret
// except create_tokens, whose caller shows each token once.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "core/handles.hpp"
#include "core/secret.hpp"
#include "registry/certs.hpp"
#include "token/token.hpp"
#include "x509/csr.hpp"
#include "x509/profile.hpp"

namespace pki::token {

struct TokenRow {
  std::string id;
  std::string device_id;
  std::string hash;  // Argon2id PHC string
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> used_at;
  std::optional<std::string> serial;

  // pending | used | expired, at time `now`.
  [[nodiscard]] std::string status(std::int64_t now) const;
};

struct NewToken {
  std::string id;
  std::string device_id;
  std::int64_t expires_at = 0;
  Secret text;  // iotp_<id>_<secret>: show once, then let it die
};

// Hashes a fresh token for every device id (`jobs` Argon2id computations in parallel)
// and stores them, with a journal record each (id and device only), in one transaction.
// Device ids must be valid (Error(data) naming the first bad one).
[[nodiscard]] std::vector<NewToken> create_tokens(sqlite3* db,
                                                  std::span<const std::string> device_ids,
                                                  std::int64_t ttl_seconds,
                                                  const config::Argon2Cost& cost, std::int64_t now,
                                                  unsigned jobs = 1);

// Drops tokens nobody has seen (their file could not be written); journals it.
void discard_tokens(sqlite3* db, std::span<const NewToken> tokens);

[[nodiscard]] std::optional<TokenRow> find_token(sqlite3* db, std::string_view id);

// Looks the token up by id and checks its secret with Argon2id, outside any transaction
// (the hash never changes). Error(denied) "authentication failed" for an unknown id or
// a wrong secret alike; an unknown id spends the same Argon2id time as a known one.
[[nodiscard]] TokenRow authenticate(sqlite3* db, const Token& token,
                                    const config::Argon2Cost& cost);

// Error(denied) unless the (authenticated) token was made for `common_name`.
void require_device_match(const TokenRow& row, std::string_view common_name);

struct Redeemed {
  db::CertRecord record;
  bool reemitted = false;                 // the token was already used by this very public key
  std::chrono::nanoseconds issue_time{};  // building and signing the certificate
};

struct RedeemOptions {
  // Batch resume: a token already used for a certificate on the CSR's own public key
  // returns that certificate instead of failing (no second certificate is issued).
  bool reemit_same_key = false;
  // Runs inside the transaction after issuance and before COMMIT (e.g. writes the
  // certificate file); a throw rolls everything back.
  std::function<void(const db::CertRecord&)> before_commit;
};

// In one BEGIN IMMEDIATE transaction: re-reads the token, refuses it when used
// (Error(denied), naming the serial) or expired (Error(denied)), issues the device
// certificate, records used_at and the serial, journals the redemption, commits.
// Of any number of concurrent calls for one token, exactly one issues.
[[nodiscard]] Redeemed redeem(sqlite3* db, const TokenRow& row, const x509::Csr& csr,
                              const x509::Signer& signer, const config::Settings& settings,
                              std::int64_t now, const RedeemOptions& options = {});

// status: "" for all, else pending | used | expired. Oldest first.
[[nodiscard]] std::vector<TokenRow> list_tokens(sqlite3* db, std::string_view status,
                                                std::int64_t now);

// Deletes expired tokens that were never used; returns how many. Journals the count.
std::int64_t purge_expired(sqlite3* db, std::int64_t now);

}  // namespace pki::token
