// SPDX-License-Identifier: Apache-2.0
#pragma once
// Private keys: generation, PKCS#8 PEM (encrypted with AES-256-CBC, the key derived by
// PBKDF2-HMAC-SHA256 with kPbkdf2Iterations, when a passphrase is given), and loading
// with the permission rules of SPEC §2.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/handles.hpp"
#include "core/secret.hpp"

namespace pki::keys {

// A new CA key's passphrase has at least this many characters (docs/security.md).
inline constexpr std::size_t kMinPassphraseLength = 12;
// PBKDF2-HMAC-SHA256 iterations for an encrypted key (OWASP 2023: >= 600,000); about
// 0.4 s of one core per encryption or decryption.
inline constexpr int kPbkdf2Iterations = 600000;

enum class KeyType { rsa4096, ec_p384, ec_p256 };

// "rsa4096" | "ec-p384" | "ec-p256"; anything else is Error(usage).
[[nodiscard]] KeyType parse_key_type(std::string_view name);
[[nodiscard]] std::string key_type_name(KeyType type);

[[nodiscard]] PkeyPtr generate(KeyType type);

// PKCS#8 PEM; encrypted (PBES2: PBKDF2-HMAC-SHA256 x kPbkdf2Iterations, AES-256-CBC)
// when `passphrase` is non-empty, in clear when it is empty.
[[nodiscard]] Secret to_pkcs8_pem(EVP_PKEY* key, const Secret& passphrase);

// Where a passphrase comes from: a file (first line), else an interactive prompt
// on /dev/tty without echo. Never argv or the environment.
class PassphraseSource {
 public:
  PassphraseSource() = default;
  explicit PassphraseSource(std::optional<std::filesystem::path> file) : file_(std::move(file)) {}
  // For a key being created. `unencrypted` (the operator's --no-passphrase) returns an
  // empty Secret: the caller writes the key in clear and warns. Otherwise the file's
  // first line, or a prompt asked twice when stdin is a terminal. Error(data, 65) when
  // it is empty, white space or shorter than kMinPassphraseLength; Error(usage, 2) when
  // there is neither a file nor a terminal.
  [[nodiscard]] Secret for_new_key(bool unencrypted) const;
  // For a key being opened: Error(data, 65) when the passphrase is empty.
  [[nodiscard]] Secret for_existing_key(const std::filesystem::path& key_file) const;
  // A token's PIN (keys/ca_key.hpp): the file's first line, else a prompt naming the
  // token. Error(data, 65) when it is empty. No length rule: the token sets its own.
  [[nodiscard]] Secret for_token(std::string_view token_label) const;
  [[nodiscard]] bool has_file() const { return file_.has_value(); }

 private:
  std::optional<std::filesystem::path> file_;
};

// Loads a private key file, refusing group/world-accessible files (exit 78). An
// encrypted key asks `source`; a wrong passphrase is Error(denied, 77).
[[nodiscard]] PkeyPtr load_private_key(const std::filesystem::path& path,
                                       const PassphraseSource& source);

// Writes a key 0600 atomically.
void write_private_key(const std::filesystem::path& path, EVP_PKEY* key, const Secret& passphrase);

// Public key checks for keys that come from outside (CSRs): EC P-256/P-384 or RSA >= 2048.
void require_acceptable_public_key(EVP_PKEY* key, std::string_view what);

}  // namespace pki::keys
