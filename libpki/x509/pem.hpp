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

[[nodiscard]] std::string serial_hex(const X509* cert);
[[nodiscard]] std::string serial_hex(const ASN1_INTEGER* serial);
// Accepts either case with an optional 0x or colons; returns uppercase hex, no leading
// zero bytes (the registry's key). Error(data) on anything else.
[[nodiscard]] std::string normalize_serial(std::string_view text);
// At least 128 bits from the CSPRNG (SPEC §3), positive: 20 bytes with the top bit clear.
[[nodiscard]] Asn1IntegerPtr random_serial();

[[nodiscard]] std::int64_t to_unix(const ASN1_TIME* t);
[[nodiscard]] std::string sha256_fingerprint(X509* cert);  // uppercase hex

}  // namespace pki::x509
