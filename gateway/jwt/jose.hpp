// SPDX-License-Identifier: Apache-2.0
#pragma once
// ES256 (RFC 7518 §3.4) primitives: signatures in JOSE form, R || S as two 32-byte
// big-endian integers, converted from and to the DER ECDSA-Sig-Value OpenSSL uses;
// public keys as JWKs and their RFC 7638 thumbprints.
#include <openssl/evp.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/encoding.hpp"

namespace gw::jwt {

inline constexpr std::size_t kEs256SigSize = 64;

// DER ECDSA-Sig-Value -> R||S; nullopt when the DER is not a P-256 sized signature.
[[nodiscard]] std::optional<pki::Bytes> der_to_jose(std::span<const unsigned char> der);
// R||S (exactly 64 bytes) -> DER; nullopt on any other size.
[[nodiscard]] std::optional<pki::Bytes> jose_to_der(std::span<const unsigned char> jose);

// Signs with ECDSA P-256 + SHA-256; nullopt on failure (error queue cleared).
[[nodiscard]] std::optional<pki::Bytes> es256_sign(EVP_PKEY* key, std::string_view data);
// True only for a valid 64-byte R||S signature of `data` under `key`.
[[nodiscard]] bool es256_verify(EVP_PKEY* key, std::string_view data,
                                std::span<const unsigned char> jose_sig);

// True when the key is an EC key on P-256.
[[nodiscard]] bool is_p256(EVP_PKEY* key);
// {"kty":"EC","crv":"P-256","x":…,"y":…}; throws pki::Error when not a P-256 key.
[[nodiscard]] nlohmann::json public_jwk(EVP_PKEY* key);
// RFC 7638: base64url(SHA-256 of the JWK's required members in lexicographic order).
[[nodiscard]] std::string jwk_thumbprint(EVP_PKEY* key);

}  // namespace gw::jwt
