// SPDX-License-Identifier: Apache-2.0
#include "token/store.hpp"

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/parallel.hpp"
#include "journal/journal.hpp"
#include "token/argon2.hpp"
#include "x509/names.hpp"

namespace pki::token {

std::vector<NewToken> create_tokens(store::Store& db, std::span<const std::string> device_ids,
                                    std::int64_t ttl_seconds, const config::Argon2Cost& cost,
                                    std::int64_t now, unsigned jobs,
                                    const std::function<void()>& on_hashed) {
  for (const auto& id : device_ids) x509::require_device_id(id);
  if (ttl_seconds <= 0) throw Error(Exit::usage, "the token TTL must be positive");
  std::vector<NewToken> out(device_ids.size());
  std::vector<std::string> hashes(device_ids.size());
  // Argon2id is the slow part, and independent per token: hash before taking the lock.
  parallel_for(device_ids.size(), jobs, [&](unsigned, std::size_t i) {
    const Token t = generate();
    hashes[i] = hash_secret(t.secret.view(), cost);
    out[i] = NewToken{t.id, device_ids[i], now + ttl_seconds, format(t)};
    if (on_hashed) on_hashed();
  });
  db.transaction([&] {
    for (std::size_t i = 0; i < out.size(); ++i) {
      db.insert_token({out[i].id, out[i].device_id, hashes[i], now, out[i].expires_at, {}, {}});
      journal::append(db, "token.create",
                      {{"id", out[i].id},
                       {"device_id", out[i].device_id},
                       {"expires_at", rfc3339(out[i].expires_at)}});
    }
  });
  return out;
}

void discard_tokens(store::Store& db, std::span<const NewToken> tokens) {
  db.transaction([&] {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& t : tokens) {
      db.delete_unused_token(t.id);
      ids.push_back(t.id);
    }
    // The ids let `iot-ca journal verify` account for the rows that are gone.
    journal::append(db, "token.discard",
                    {{"count", tokens.size()},
                     {"ids", std::move(ids)},
                     {"why", "the token output could not be written"}});
  });
}

TokenRow authenticate(store::Store& db, const Token& token, const config::Argon2Cost& cost) {
  const std::string denied = "authentication failed: unknown token or wrong secret";
  std::optional<TokenRow> row = db.find_token(token.id);
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

void require_redeemable(const TokenRow& cur, std::int64_t now) {
  if (cur.used_at) {
    throw Error(Exit::denied, "the token was already used at " + rfc3339(*cur.used_at) +
                                  " (certificate " + cur.serial.value_or("?") + ")");
  }
  if (now >= cur.expires_at) {
    throw Error(Exit::denied, "the token expired at " + rfc3339(cur.expires_at));
  }
}

std::vector<TokenRow> list_tokens(store::Store& db, std::string_view status, std::int64_t now) {
  return db.list_tokens(store::parse_token_status(status), now);
}

std::int64_t purge_expired(store::Store& db, std::int64_t now) {
  return db.in_transaction([&] {
    const std::int64_t n = db.delete_expired_tokens(now);
    // expired_before: the cut-off, so journal verify knows which rows are gone.
    if (n > 0) journal::append(db, "token.purge", {{"count", n}, {"expired_before", rfc3339(now)}});
    return n;
  });
}

}  // namespace pki::token
