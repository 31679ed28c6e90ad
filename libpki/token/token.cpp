// SPDX-License-Identifier: Apache-2.0
#include "token/token.hpp"

#include <sodium.h>

#include "core/encoding.hpp"
#include "core/error.hpp"

namespace pki::token {
namespace {

constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// libsodium 1.0.18's decoder maps some bytes >= 0x80 to base64 digits (found by
// fuzz_token), so the alphabet is checked here first.
bool is_base64url(std::string_view s) {
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

[[noreturn]] void malformed(const std::string& why) {
  throw Error(Exit::data, "malformed token: " + why + " (expected iotp_<id>_<secret>)");
}

}  // namespace

bool is_valid_id(std::string_view id) {
  if (id.size() != kIdChars) return false;
  for (const char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Token generate() {
  if (::sodium_init() < 0) throw Error(Exit::internal, "libsodium failed to initialise");
  Token t;
  t.id = hex_lower(random_bytes(kIdBytes));
  std::string& raw = t.secret.buffer();
  raw.resize(kSecretBytes);  // one allocation, wiped by Secret
  ::randombytes_buf(raw.data(), raw.size());
  return t;
}

Secret format(const Token& token) {
  if (token.secret.size() != kSecretBytes) throw Error(Exit::internal, "token secret size");
  Secret out;
  std::string& s = out.buffer();
  s.reserve(kTokenChars + 1);  // never reallocates, so no unwiped copy is left behind
  s.append(kPrefix).append(token.id).push_back('_');
  const std::size_t at = s.size();
  s.resize(at + kSecretChars + 1);  // the codec writes a terminating NUL
  ::sodium_bin2base64(s.data() + at, kSecretChars + 1,
                      reinterpret_cast<const unsigned char*>(token.secret.view().data()),
                      kSecretBytes, kVariant);
  s.resize(at + kSecretChars);
  return out;
}

Token parse(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.empty()) malformed("empty");
  if (t.substr(0, kPrefix.size()) != kPrefix) malformed("it does not start with iotp_");
  if (t.size() != kTokenChars) malformed("wrong length");
  const std::string_view id = t.substr(kPrefix.size(), kIdChars);
  if (!is_valid_id(id)) malformed("the id is not 24 lowercase hex digits");
  if (t[kPrefix.size() + kIdChars] != '_') malformed("no '_' after the id");
  const std::string_view secret = t.substr(kPrefix.size() + kIdChars + 1);

  if (!is_base64url(secret)) malformed("the secret is not base64url");
  Token out;
  out.id = std::string(id);
  std::string& raw = out.secret.buffer();
  raw.resize(kSecretBytes + 1);
  std::size_t len = 0;
  const char* end = nullptr;
  if (::sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), secret.data(),
                          secret.size(), nullptr, &len, &end, kVariant) != 0 ||
      end != secret.data() + secret.size() || len != kSecretBytes) {
    malformed("the secret is not 32 bytes of base64url");
  }
  raw.resize(kSecretBytes);
  return out;
}

}  // namespace pki::token
