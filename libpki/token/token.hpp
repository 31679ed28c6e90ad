// SPDX-License-Identifier: Apache-2.0
#pragma once
// Enrollment tokens: `iotp_<id>_<secret>` (SPEC §4). `<id>` is a public lookup key
// (24 lowercase hex digits, so it never contains the `_` separator); `<secret>` is 32
// bytes from libsodium's CSPRNG in unpadded base64url (43 characters). Only an Argon2id
// hash of the secret is ever stored; the text of a token lives in pki::Secret buffers.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/secret.hpp"

namespace pki::token {

inline constexpr std::string_view kPrefix = "iotp_";
inline constexpr std::size_t kIdBytes = 12;
inline constexpr std::size_t kIdChars = kIdBytes * 2;
inline constexpr std::size_t kSecretBytes = 32;
inline constexpr std::size_t kSecretChars = 43;  // base64url of 32 bytes, no padding
inline constexpr std::size_t kTokenChars = kPrefix.size() + kIdChars + 1 + kSecretChars;

struct Token {
  std::string id;  // public: safe to log, store and show
  Secret secret;   // the 32 raw secret bytes
};

// A fresh token: random id and secret.
[[nodiscard]] Token generate();

// The text form `iotp_<id>_<secret>`, in a buffer that is wiped when it dies.
[[nodiscard]] Secret format(const Token& token);

// Parses the text form. Surrounding ASCII whitespace (a trailing newline from a file or
// a pipe) is ignored. Throws Error(data) on anything else; the message never quotes the
// input, which may be a mistyped secret.
[[nodiscard]] Token parse(std::string_view text);

// True for 24 lowercase hex digits: what `<id>` looks like.
[[nodiscard]] bool is_valid_id(std::string_view id);

}  // namespace pki::token
