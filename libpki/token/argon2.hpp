// SPDX-License-Identifier: Apache-2.0
#pragma once
// Argon2id (RFC 9106) through the reference library, libargon2: what the registry stores
// instead of a token's secret. The PHC string carries the algorithm, version, cost and
// a per-token 16-byte salt, so a later change of cost never breaks older tokens.
#include <string>
#include <string_view>

#include "config/settings.hpp"

namespace pki::token {

inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kHashBytes = 32;

// "$argon2id$v=19$m=<kib>,t=<passes>,p=<lanes>$<salt>$<hash>". Error(internal) when the
// library fails (e.g. out of memory for m_cost).
[[nodiscard]] std::string hash_secret(std::string_view secret, const config::Argon2Cost& cost);

// Recomputes the hash with the PHC string's own parameters and compares in constant
// time (argon2id_verify). False on a mismatch; Error(internal) on a PHC string that is
// not Argon2id or that the library rejects (a damaged registry row).
[[nodiscard]] bool verify_secret(std::string_view phc, std::string_view secret);

// Spends the same time as a verification without any stored hash, so an unknown token
// id costs an attacker as much as a known one and timing does not reveal which ids exist.
void burn_equivalent_time(std::string_view secret, const config::Argon2Cost& cost);

}  // namespace pki::token
