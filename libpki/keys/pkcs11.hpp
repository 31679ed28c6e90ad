// SPDX-License-Identifier: Apache-2.0
#pragma once
// CA keys in a PKCS#11 token (an HSM, a smart card, SoftHSM). Two steps, both here:
// preparing (the module loaded directly: find the token, log in, find the key or make
// it inside the token with C_GenerateKeyPair) gives exact answers — wrong PIN, locked
// PIN, no such token or object — and opening hands back an EVP_PKEY from libp11's
// OpenSSL engine ("pkcs11", libengine-pkcs11-openssl), whose every signature
// (X509_sign, X509_CRL_sign, CMS_sign, EVP_DigestSign) happens in the token. The engine
// API is deprecated in OpenSSL 3; it is used only in pkcs11.cpp, so a provider
// (pkcs11-provider) can replace it there without touching a caller.
#include <string>

#include "core/handles.hpp"
#include "core/secret.hpp"
#include "keys/keys.hpp"
#include "keys/pkcs11_uri.hpp"

namespace pki::keys::pkcs11 {

enum class Create { no, if_missing };

// Logs in to the token of `uri` in `module` with `pin` and returns the private key.
// With Create::if_missing a key that is not there is generated in the token (`type`;
// CKA_SENSITIVE, not extractable). Errors name the URI (never the PIN):
//   Error(denied, 77)  wrong PIN, locked PIN;
//   Error(config, 78)  the module cannot be loaded, no such token, no such key (and not
//                      asked to create it), more than one key matches.
[[nodiscard]] PkeyPtr open_key(const std::string& module, const Pkcs11Uri& uri, const Secret& pin,
                               Create create, KeyType type);

}  // namespace pki::keys::pkcs11
