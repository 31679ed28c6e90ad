// SPDX-License-Identifier: Apache-2.0
#include "journal/digest.hpp"

#include "core/encoding.hpp"

namespace pki::journal {

void SerialDigest::add_bytes(const unsigned char* be32) {
  unsigned carry = 0;
  for (std::size_t i = sum_.size(); i-- > 0;) {
    const unsigned v = unsigned{sum_[i]} + unsigned{be32[i]} + carry;
    sum_[i] = static_cast<unsigned char>(v & 0xffU);
    carry = v >> 8;
  }
}

void SerialDigest::add(std::string_view serial) {
  const Bytes h = sha256(serial);
  add_bytes(h.data());
  ++count_;
}

void SerialDigest::add(const SerialDigest& other) {
  add_bytes(other.sum_.data());
  count_ += other.count_;
}

std::string SerialDigest::hex() const {
  return hex_lower(sum_);
}

std::optional<SerialDigest> SerialDigest::from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  for (const char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  const auto bytes = hex_decode(hex);
  if (!bytes || bytes->size() != 32) return std::nullopt;
  SerialDigest d;
  for (std::size_t i = 0; i < 32; ++i) d.sum_[i] = (*bytes)[i];
  return d;
}

}  // namespace pki::journal
