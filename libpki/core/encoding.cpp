// SPDX-License-Identifier: Apache-2.0
#include "core/encoding.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <cctype>

#include "core/error.hpp"

namespace pki {
namespace {

void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; -1 means no entropy source.
  if (::sodium_init() < 0) throw Error(Exit::internal, "libsodium failed to initialise");
}

}  // namespace

std::string hex_lower(std::span<const unsigned char> bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  ::sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

std::string hex_upper(std::span<const unsigned char> bytes) {
  std::string out = hex_lower(bytes);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<Bytes> hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  // Nothing to decode: libsodium's decoder must not see the null buffers of empty input.
  if (hex.empty()) return Bytes{};
  Bytes out(hex.size() / 2);
  std::size_t len = 0;
  const char* end = nullptr;
  if (::sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 ||
      len != out.size() || end != hex.data() + hex.size()) {
    return std::nullopt;
  }
  return out;
}

std::string base64url(std::span<const unsigned char> bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  ::sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), kVariant);
  out.resize(out.size() - 1);  // the codec writes a terminating NUL
  return out;
}

std::string base64(std::span<const unsigned char> bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  ::sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), kVariant);
  out.resize(out.size() - 1);
  return out;
}

std::optional<Bytes> base64url_decode(std::string_view text) {
  // libsodium 1.0.18 takes bytes >= 0x80 as digits (found by fuzz_token); check the
  // RFC 4648 §5 alphabet ourselves before decoding.
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return std::nullopt;
  }
  Bytes out(text.size() * 3 / 4 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (::sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

Bytes sha256(std::span<const unsigned char> data) {
  Bytes out(32);
  unsigned int len = 0;
  if (::EVP_Digest(data.data(), data.size(), out.data(), &len, ::EVP_sha256(), nullptr) != 1) {
    throw_ossl(Exit::internal, "SHA-256 failed");
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  return hex_lower(sha256(data));
}

Bytes random_bytes(std::size_t n) {
  ensure_sodium();
  Bytes out(n);
  ::randombytes_buf(out.data(), out.size());
  return out;
}

bool equal_ct(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return ::sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace pki
