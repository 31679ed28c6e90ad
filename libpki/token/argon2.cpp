// SPDX-License-Identifier: Apache-2.0
#include "token/argon2.hpp"

#include <argon2.h>
#include <sodium.h>

#include <array>

#include "core/encoding.hpp"
#include "core/error.hpp"

namespace pki::token {
namespace {

[[noreturn]] void fail(const std::string& what, int rc) {
  throw Error(Exit::internal, what + ": " + ::argon2_error_message(rc));
}

}  // namespace

std::string hash_secret(std::string_view secret, const config::Argon2Cost& cost) {
  const Bytes salt = random_bytes(kSaltBytes);
  std::string phc(::argon2_encodedlen(cost.t_cost, cost.m_cost_kib, cost.parallelism, kSaltBytes,
                                      kHashBytes, Argon2_id),
                  '\0');
  const int rc = ::argon2id_hash_encoded(cost.t_cost, cost.m_cost_kib, cost.parallelism,
                                         secret.data(), secret.size(), salt.data(), salt.size(),
                                         kHashBytes, phc.data(), phc.size());
  if (rc != ARGON2_OK) fail("Argon2id hashing failed", rc);
  phc.resize(phc.find('\0'));  // encodedlen is an upper bound
  return phc;
}

bool verify_secret(std::string_view phc, std::string_view secret) {
  // Only Argon2id: a row edited to a weaker variant must not verify.
  if (phc.substr(0, 10) != "$argon2id$") {
    throw Error(Exit::internal, "stored token hash is not an Argon2id PHC string");
  }
  const std::string encoded(phc);  // NUL-terminated for the C API
  const int rc = ::argon2id_verify(encoded.c_str(), secret.data(), secret.size());
  if (rc == ARGON2_OK) return true;
  if (rc == ARGON2_VERIFY_MISMATCH) return false;
  fail("Argon2id verification failed", rc);
}

void burn_equivalent_time(std::string_view secret, const config::Argon2Cost& cost) {
  std::array<unsigned char, kHashBytes> out{};
  const std::array<unsigned char, kSaltBytes> salt{};
  const int rc =
      ::argon2id_hash_raw(cost.t_cost, cost.m_cost_kib, cost.parallelism, secret.data(),
                          secret.size(), salt.data(), salt.size(), out.data(), out.size());
  ::sodium_memzero(out.data(), out.size());
  if (rc != ARGON2_OK) fail("Argon2id hashing failed", rc);
}

}  // namespace pki::token
