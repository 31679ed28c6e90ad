// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the gateway knows about the client after the handshake.
#include <openssl/ssl.h>

#include <string>
#include <string_view>
#include <vector>

namespace gw::tls {

struct Peer {
  bool has_cert = false;
  std::string device_id;             // subject CN
  std::vector<std::string> ous;      // every subject OU
  std::string serial;                // uppercase hex
  std::string x5t;                   // base64url SHA-256 of the leaf DER (RFC 8705 §3.1)
  STACK_OF(X509) * chain = nullptr;  // borrowed from the SSL object: leaf first, anchor last
};

// Reads the verified peer certificate and chain; chain is only valid while `ssl` lives.
// Names and the serial come from libpki (x509/names, x509/pem), in the forms the CA
// writes. Never throws: a failure leaves has_cert false.
[[nodiscard]] Peer read_peer(SSL* ssl) noexcept;
// Device ids are checked by libpki's pki::x509::is_valid_device_id (one rule, SPEC §3).

}  // namespace gw::tls
