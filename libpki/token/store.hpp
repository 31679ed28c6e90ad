// SPDX-License-Identifier: Apache-2.0
#pragma once
// Enrollment tokens in the registry: creating single-use tokens, authenticating one,
// listing and purging. Only the public id and an Argon2id hash are stored; no function
// here logs, journals or returns a secret except create_tokens, whose caller shows each
// token once. Redeeming a token for a certificate is workflows/enroll.hpp.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "core/secret.hpp"
#include "store/store.hpp"
#include "token/token.hpp"

namespace pki::token {

using store::TokenRow;

struct NewToken {
  std::string id;
  std::string device_id;
  std::int64_t expires_at = 0;
  Secret text;  // iotp_<id>_<secret>: show once, then let it die
};

// Hashes a fresh token for every device id (`jobs` Argon2id computations in parallel)
// and stores them, with a journal record each (id and device only), in one transaction.
// Device ids must be valid (Error(data) naming the first bad one). `on_hashed`, when
// set, is called after each hash, from the hashing threads (a progress counter).
[[nodiscard]] std::vector<NewToken> create_tokens(store::Store& db,
                                                  std::span<const std::string> device_ids,
                                                  std::int64_t ttl_seconds,
                                                  const config::Argon2Cost& cost, std::int64_t now,
                                                  unsigned jobs = 1,
                                                  const std::function<void()>& on_hashed = {});

// Drops tokens nobody has seen (their file could not be written); journals it.
void discard_tokens(store::Store& db, std::span<const NewToken> tokens);

// Looks the token up by id and checks its secret with Argon2id, outside any transaction
// (the hash never changes). Error(denied) "authentication failed" for an unknown id or
// a wrong secret alike; an unknown id spends the same Argon2id time as a known one.
[[nodiscard]] TokenRow authenticate(store::Store& db, const Token& token,
                                    const config::Argon2Cost& cost);

// Error(denied) unless the (authenticated) token was made for `common_name`.
void require_device_match(const TokenRow& row, std::string_view common_name);

// Error(denied) unless `current` (re-read inside the redeeming transaction) can still be
// redeemed at `now`: refused when used (naming the serial) or expired.
void require_redeemable(const TokenRow& current, std::int64_t now);

// status: "" for all, else pending | used | expired. Oldest first.
[[nodiscard]] std::vector<TokenRow> list_tokens(store::Store& db, std::string_view status,
                                                std::int64_t now);

// Deletes expired tokens that were never used; returns how many. Journals the count.
std::int64_t purge_expired(store::Store& db, std::int64_t now);

}  // namespace pki::token
