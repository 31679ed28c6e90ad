// SPDX-License-Identifier: Apache-2.0
#pragma once
// The order-independent digest of a set of serials that a "crl" journal record carries
// ("serials_sum"): the sum, modulo 2^256, of SHA-256(serial) over every serial, each
// hash read as a big-endian 256-bit number; serials in the registry's form (uppercase
// hex, as `openssl x509 -serial` prints them). Adding a serial is one hash and one
// addition, so the CRL builder's stream and the journal's revocations give comparable
// digests without holding either set in memory.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pki::journal {

class SerialDigest {
 public:
  void add(std::string_view serial);
  // Adds another digest's serials (the sums add).
  void add(const SerialDigest& other);
  [[nodiscard]] std::int64_t count() const noexcept { return count_; }
  [[nodiscard]] std::string hex() const;  // 64 lowercase hex digits
  // The digest a record wrote with hex() (the count is not part of it); nullopt for
  // anything else.
  [[nodiscard]] static std::optional<SerialDigest> from_hex(std::string_view hex);
  [[nodiscard]] bool same_sum(const SerialDigest& other) const noexcept {
    return sum_ == other.sum_;
  }

 private:
  void add_bytes(const unsigned char* be32);
  std::array<unsigned char, 32> sum_{};
  std::int64_t count_ = 0;
};

}  // namespace pki::journal
