// SPDX-License-Identifier: Apache-2.0
#pragma once
// A PKCS#11 URI (RFC 7512) naming one private key in a token: the path attributes
// token, object, id, manufacturer, model, serial and type (only "private"). Every other
// attribute is refused, and so is the whole query part: the PIN never travels in a URI
// (pin-value, pin-source) — it comes from a file or the terminal (keys::PassphraseSource)
// — and the module is a setting ([hsm] module in iot-pki.toml), not module-path.
#include <cstddef>
#include <string>
#include <string_view>

namespace pki::keys {

// An URI longer than this is refused before it is looked at; a value longer than
// kMaxPkcs11ValueLength bytes (decoded) is refused too, so the canonical spelling (every
// byte at most 3 characters) always parses back within the first limit.
inline constexpr std::size_t kMaxPkcs11UriLength = 4096;
inline constexpr std::size_t kMaxPkcs11ValueLength = 128;

struct Pkcs11Uri {
  std::string token;   // CKA_LABEL of the token (required)
  std::string object;  // CKA_LABEL of the key; object or id (or both) is required
  std::string id;      // CKA_ID bytes
  std::string manufacturer;
  std::string model;
  std::string serial;

  // The canonical spelling the home records: pkcs11:token=…;object=…;id=… with every
  // byte outside RFC 3986 unreserved percent-encoded; never a PIN.
  [[nodiscard]] std::string str() const;
};

// Error(usage) naming the problem (and never echoing a pin-value): not "pkcs11:", an
// empty or over-long URI, an unknown or repeated attribute, a query part, a bad %XX
// escape, a NUL byte, no token, neither object nor id, a type other than private.
[[nodiscard]] Pkcs11Uri parse_pkcs11_uri(std::string_view uri);

}  // namespace pki::keys
