// SPDX-License-Identifier: Apache-2.0
#include "gateway/revocation/serial_set.hpp"

#include <algorithm>

#include "x509/pem.hpp"

namespace gw::revocation {
namespace {

constexpr std::size_t kMaxOctets = 20;

// The magnitude without leading zero bytes (OpenSSL keeps zero as one 0x00 byte).
std::basic_string_view<std::uint8_t> magnitude(const ASN1_INTEGER* serial) {
  const std::uint8_t* p = ASN1_STRING_get0_data(serial);
  auto n = static_cast<std::size_t>(std::max(0, ASN1_STRING_length(serial)));
  while (n > 0 && *p == 0) {
    ++p;
    --n;
  }
  return {p, n};
}

SerialSet::Key key_of(std::basic_string_view<std::uint8_t> mag, bool negative) {
  SerialSet::Key k{};
  k[0] = static_cast<std::uint8_t>(mag.size());
  k[1] = negative && !mag.empty() ? 1 : 0;
  std::copy(mag.begin(), mag.end(), k.begin() + 2);
  return k;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void SerialSet::add(const ASN1_INTEGER* serial) {
  const auto mag = magnitude(serial);
  if (mag.size() > kMaxOctets) {
    large_.push_back(pki::x509::serial_hex(serial));
    return;
  }
  small_.push_back(key_of(mag, ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER));
}

void SerialSet::seal() {
  std::sort(small_.begin(), small_.end());
  small_.erase(std::unique(small_.begin(), small_.end()), small_.end());
  small_.shrink_to_fit();
  std::sort(large_.begin(), large_.end());
  large_.erase(std::unique(large_.begin(), large_.end()), large_.end());
}

bool SerialSet::contains(const ASN1_INTEGER* serial) const {
  const auto mag = magnitude(serial);
  if (mag.size() > kMaxOctets) {
    return std::binary_search(large_.begin(), large_.end(), pki::x509::serial_hex(serial));
  }
  const Key k = key_of(mag, ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER);
  return std::binary_search(small_.begin(), small_.end(), k);
}

bool SerialSet::contains_hex(std::string_view serial) const {
  std::string_view digits = serial;
  const bool negative = digits.starts_with('-');
  if (negative) digits.remove_prefix(1);
  if (digits.empty() || digits.size() % 2 != 0) return false;
  if (digits.size() > 2 * kMaxOctets) {
    return std::binary_search(large_.begin(), large_.end(), serial);
  }
  std::array<std::uint8_t, kMaxOctets> buf{};
  const std::size_t n = digits.size() / 2;
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = hex_digit(digits[2 * i]);
    const int lo = hex_digit(digits[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    buf[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  std::basic_string_view<std::uint8_t> mag(buf.data(), n);
  if (mag.size() == 1 && mag[0] == 0) mag = {};   // "00"
  if (!mag.empty() && mag[0] == 0) return false;  // not the canonical form
  return std::binary_search(small_.begin(), small_.end(), key_of(mag, negative));
}

std::size_t SerialSet::heap_bytes() const {
  std::size_t n = small_.capacity() * sizeof(Key) + large_.capacity() * sizeof(std::string);
  for (const auto& s : large_) n += s.capacity();
  return n;
}

}  // namespace gw::revocation
