// SPDX-License-Identifier: Apache-2.0
#pragma once
// The small DER writer behind the streaming CRL builder. It encodes exactly the
// structures a CRL needs beyond what OpenSSL builds for us (X.690 §8 and §10):
// definite lengths, one revokedCertificates entry, and a Time. Everything else in
// the CRL (names, extensions, algorithm identifiers) comes from OpenSSL.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crl/reason.hpp"

namespace pki::crl::der {

inline constexpr unsigned char kSequence = 0x30;
inline constexpr unsigned char kBitString = 0x03;

// Bytes a tag plus the definite length of `content_len` take (X.690 §8.1.3).
[[nodiscard]] std::size_t header_size(std::size_t content_len);
// Appends tag and definite length.
void put_header(std::string& out, unsigned char tag, std::size_t content_len);

// Appends a Time: UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §5.1.2.4).
void append_time(std::string& out, std::int64_t unix_seconds);

// Appends one revokedCertificates entry (RFC 5280 §5.1.2.6):
//   SEQUENCE { userCertificate INTEGER, revocationDate Time,
//              crlEntryExtensions { reasonCode } OPTIONAL }
// The reasonCode extension is left out for `unspecified`, as RFC 5280 §5.3.1 asks.
// `serial_hex` is the registry's form (hex, either case); Error(data) otherwise.
void append_revoked(std::string& out, std::string_view serial_hex, std::int64_t revoked_at,
                    Reason reason);

// One TLV header read back from DER that OpenSSL produced.
struct Header {
  unsigned char tag = 0;
  std::size_t header_len = 0;
  std::size_t content_len = 0;
  [[nodiscard]] std::size_t total() const { return header_len + content_len; }
};
// Reads the header at `pos`; Error(internal) when it is malformed or runs past the end.
[[nodiscard]] Header read_header(std::string_view der, std::size_t pos);

}  // namespace pki::crl::der
