// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where a CA's private key lives: the key file (PKCS#8 PEM, keys.hpp), or a PKCS#11
// token. A token key leaves no key file: the file KEYFILE-uri beside where the key file
// would be (root/ca.key-uri, issuing/N/ca.key-uri, publisher/publisher.key-uri) holds
// its URI, one line. Every command opens a CA key through open_key, so the rule for
// the secret is in one place: the same PassphraseSource (--passphrase-file, or
// --pin-file where a command makes a token key, else the terminal) gives a key file's
// passphrase or a token's PIN.
#include <filesystem>
#include <optional>
#include <string>

#include "core/handles.hpp"
#include "keys/keys.hpp"
#include "keys/pkcs11_uri.hpp"

namespace pki::keys {

[[nodiscard]] std::filesystem::path uri_record_path(const std::filesystem::path& key_file);
// The URI recorded for `key_file`, if its key is in a token (Error(data) when the record
// does not parse).
[[nodiscard]] std::optional<Pkcs11Uri> recorded_uri(const std::filesystem::path& key_file);
// A key file or a URI record is there.
[[nodiscard]] bool key_present(const std::filesystem::path& key_file);

// Opens the key of `key_file`: in the token of its recorded URI (module: [hsm] module;
// PIN from `source`), else the file (passphrase from `source`).
[[nodiscard]] PkeyPtr open_key(const std::filesystem::path& key_file, const std::string& module,
                               const PassphraseSource& source);

// A CA key in a token: the existing object of `uri`, or one generated there (`type`).
[[nodiscard]] PkeyPtr make_token_key(const std::string& module, const Pkcs11Uri& uri, KeyType type,
                                     const PassphraseSource& source);
// Writes the URI record (0600) of `key_file`.
void record_uri(const std::filesystem::path& key_file, const Pkcs11Uri& uri);

}  // namespace pki::keys
