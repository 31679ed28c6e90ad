// SPDX-License-Identifier: Apache-2.0
#pragma once
// PEM/DER conversions and the few certificate facts the tools print.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.hpp"
#include "core/handles.hpp"

namespace pki::x509 {

[[nodiscard]] std::string to_pem(X509* cert);
[[nodiscard]] std::string to_pem(X509_CRL* crl);
[[nodiscard]] Bytes to_der(X509* cert);
[[nodiscard]] X509Ptr cert_from_pem(std::string_view pem, std::string_view what);
// Every certificate in a PEM bundle, in order; at least one or Error(data).
[[nodiscard]] std::vector<X509Ptr> certs_from_pem(std::string_view pem, std::string_view what);

// The one written form of a serial, everywhere (registry key, CRL lookups, deny lists,
// audit records, JWT claims): uppercase hex in whole bytes without leading zero bytes,
// as `openssl x509 -serial` prints it ("0A1B"); zero is "00"; a negative serial (not
// RFC 5280 conformant, but parseable) keeps its sign ("-0A").
[[nodiscard]] std::string serial_hex(const X509* cert);
[[nodiscard]] std::string serial_hex(const ASN1_INTEGER* serial);
// Every spelling an operator may paste: either case, an optional "0x"/"0X", colons
// between byte pairs ("0a:1b"), leading zeros, an optional "-". Returns serial_hex's
// form; Error(data) on anything else, on more than 20 octets (RFC 5280 §4.1.2.2) or
// on more than kMaxSerialText characters.
[[nodiscard]] std::string normalize_serial(std::string_view text);
inline constexpr std::size_t kMaxSerialOctets = 20;
inline constexpr std::size_t kMaxSerialText = 128;
// At least 128 bits from the CSPRNG (SPEC §3), positive: 20 bytes with the top bit clear.
[[nodiscard]] Asn1IntegerPtr random_serial();

[[nodiscard]] std::int64_t to_unix(const ASN1_TIME* t);
[[nodiscard]] std::string sha256_fingerprint(X509* cert);  // uppercase hex

}  // namespace pki::x509
