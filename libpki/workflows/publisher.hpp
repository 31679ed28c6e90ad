// SPDX-License-Identifier: Apache-2.0
#pragma once
// The publisher key of a PKI home (SPEC §10): what signs manifest.json at every
// `iot-ca export`. Its certificate is issued by the root under the publisher profile
// (trustsign/publisher.hpp); its key is EC P-256, PKCS#8, encrypted like a CA key
// (unencrypted only when the home's CA keys are), in publisher/publisher.key beside
// publisher/publisher.crt.
//
// One home (root key present): `iot-ca publisher`, or the first `iot-ca export`, makes
// both. Split homes (root elsewhere): `iot-ca publisher --request` in the issuing home
// writes the key and prints a CSR; `iot-ca publisher --csr F` in the root home signs it
// (recorded and journalled there like every certificate the root issues);
// `iot-ca publisher --import F` in the issuing home installs the certificate after
// checking it belongs to the key, has the profile and is issued by this home's root.
#include <filesystem>
#include <string>
#include <string_view>

#include "ca/home.hpp"
#include "keys/keys.hpp"
#include "workflows/init_ca.hpp"
#include "x509/profile.hpp"

namespace pki::workflows {

[[nodiscard]] std::filesystem::path publisher_key_path(const ca::Home& home);
[[nodiscard]] std::filesystem::path publisher_cert_path(const ca::Home& home);

// True when any CA key of the home (root, issuing) is encrypted.
[[nodiscard]] bool home_keys_encrypted(const ca::Home& home);

// One home: key and certificate (the key encrypted under `pass`), signed by the root (its
// key opened with `root_pass`).
// Error(cant_create) when the home has a publisher certificate already, unless
// `replace` (a new key and certificate; the old certificate stays in the registry).
NewCa create_publisher(const ca::Home& home, const keys::PassphraseSource& pass,
                       const keys::PassphraseSource& root_pass, bool no_passphrase, bool replace);

// Split homes, issuing side: writes the key (refusing to overwrite a certified one
// unless `replace`) and returns the CSR (PEM).
[[nodiscard]] std::string publisher_request(const ca::Home& home,
                                            const keys::PassphraseSource& pass, bool no_passphrase,
                                            bool replace);
// Root side: the certificate (PEM) for `csr` (proof of possession checked), recorded.
[[nodiscard]] std::string sign_publisher_request(const ca::Home& home,
                                                 const keys::PassphraseSource& pass,
                                                 std::string_view csr);
// Issuing side again: installs the signed certificate.
NewCa import_publisher(const ca::Home& home, std::string_view cert_pem);

// The signer for an export. With no publisher certificate yet and the root key here,
// makes one (create_publisher); otherwise Error(no_input) naming the three commands.
[[nodiscard]] x509::Signer load_publisher(const ca::Home& home, const keys::PassphraseSource& pass,
                                          const keys::PassphraseSource& root_pass);

}  // namespace pki::workflows
