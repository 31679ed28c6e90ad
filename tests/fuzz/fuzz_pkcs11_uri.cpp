// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the PKCS#11 URI parser (libpki/keys/pkcs11_uri) that --key-uri and
// a home's KEYFILE-uri record go through. Any input is a URI or Error(usage); an
// accepted URI has a token and an object or id, its canonical spelling parses back to
// the same attributes, and a message never carries a pin-value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "keys/pkcs11_uri.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  pki::keys::Pkcs11Uri uri;
  try {
    uri = pki::keys::parse_pkcs11_uri(text);
  } catch (const pki::Error& e) {
    if (e.code() != pki::Exit::usage) __builtin_trap();
    return 0;
  }
  if (uri.token.empty() || (uri.object.empty() && uri.id.empty())) __builtin_trap();
  const std::string canon = uri.str();
  const pki::keys::Pkcs11Uri again = pki::keys::parse_pkcs11_uri(canon);
  if (again.token != uri.token || again.object != uri.object || again.id != uri.id ||
      again.serial != uri.serial || again.model != uri.model ||
      again.manufacturer != uri.manufacturer || again.str() != canon) {
    __builtin_trap();
  }
  return 0;
}
