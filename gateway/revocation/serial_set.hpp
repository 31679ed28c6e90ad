// SPDX-License-Identifier: Apache-2.0
#pragma once
// The revoked serials of one CRL, small enough for a 1,000,000-entry CRL: a sorted
// vector of fixed-size binary keys (22 bytes each) instead of a set of hex strings
// (~100 bytes each plus the node). Serials longer than 20 octets (not RFC 5280
// conformant, but a CRL may list one) go to a separate, sorted list of their
// canonical hex form so that nothing a CRL lists is ever dropped.
#include <openssl/asn1.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gw::revocation {

class SerialSet {
 public:
  // Byte 0: magnitude length (0..20); byte 1: 1 when negative; then the magnitude,
  // big-endian, left-aligned and zero-padded. Equal keys ⇔ equal serials.
  using Key = std::array<std::uint8_t, 22>;

  void reserve(std::size_t n) { small_.reserve(n); }
  // Throws pki::Error(internal) only when OpenSSL cannot convert (out of memory).
  void add(const ASN1_INTEGER* serial);
  // Sorts and removes duplicates; call once after the last add, before lookups.
  void seal();

  [[nodiscard]] bool contains(const ASN1_INTEGER* serial) const;
  // `serial` in pki::x509::serial_hex form (as tokens and deny lists carry it); any
  // other text matches nothing.
  [[nodiscard]] bool contains_hex(std::string_view serial) const;
  [[nodiscard]] std::size_t size() const { return small_.size() + large_.size(); }
  // Heap bytes held (for the memory figures in docs/benchmarks).
  [[nodiscard]] std::size_t heap_bytes() const;

 private:
  std::vector<Key> small_;
  std::vector<std::string> large_;
};

}  // namespace gw::revocation
