// SPDX-License-Identifier: Apache-2.0
#pragma once
// Byte encodings used across the project. base64 and hex go through libsodium
// (constant-time codecs); SHA-256 through OpenSSL.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pki {

using Bytes = std::vector<unsigned char>;

[[nodiscard]] std::string hex_upper(std::span<const unsigned char> bytes);
[[nodiscard]] std::string hex_lower(std::span<const unsigned char> bytes);
// Accepts either case; nullopt on a non-hex character or odd length.
[[nodiscard]] std::optional<Bytes> hex_decode(std::string_view hex);

[[nodiscard]] std::string base64url(std::span<const unsigned char> bytes);  // no padding
[[nodiscard]] std::optional<Bytes> base64url_decode(std::string_view text);
[[nodiscard]] std::string base64(std::span<const unsigned char> bytes);  // padded

[[nodiscard]] Bytes sha256(std::span<const unsigned char> data);
[[nodiscard]] inline Bytes sha256(std::string_view data) {
  return sha256({reinterpret_cast<const unsigned char*>(data.data()), data.size()});
}
[[nodiscard]] std::string sha256_hex(std::string_view data);

[[nodiscard]] Bytes random_bytes(std::size_t n);  // libsodium CSPRNG

// Constant-time equality (sodium_memcmp); false when the sizes differ.
[[nodiscard]] bool equal_ct(std::string_view a, std::string_view b);

inline std::span<const unsigned char> as_bytes(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

}  // namespace pki
