// SPDX-License-Identifier: Apache-2.0
#pragma once
// Root and issuing CAs in separate homes (issue 11 item 1). The exchange:
//
//   issuing home                          root home (offline)
//   iot-ca issuing-request --name N  →  ca.csr  →  iot-ca intermediate --csr ca.csr --name N
//     (key + CSR in issuing/N/)                     (issuing profile, pathLenConstraint 0;
//                                                    recorded in the root's registry)
//   iot-ca issuing-import --name N   ←  cert, root cert, root CRL  ←
//     (checked against the key and the root; then issuing/N/ca.crt, root/ca.crt,
//      root/crl.pem are installed)
//
// The issuing home never holds the root key; its key has its own passphrase.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "ca/home.hpp"
#include "keys/keys.hpp"
#include "store/store.hpp"

namespace pki::workflows {

struct IssuingRequestSpec {
  std::string name;  // directory under issuing/ (ca::require_ca_name)
  std::string cn;
  keys::KeyType type = keys::KeyType::ec_p384;
  bool no_passphrase = false;
  std::string key_uri{};  // "" → a key file; else the key is in this PKCS#11 token
};

struct IssuingRequest {
  std::string csr_pem;
  std::filesystem::path csr_path;  // HOME/issuing/N/ca.csr
  std::filesystem::path key_path;  // HOME/issuing/N/ca.key (ca.key-uri for a token key)
  bool encrypted = false;
  std::string key_uri;
};

// Creates the home when missing (settings, registry; no root key needed), the key and a
// CSR asking for a CA (basicConstraints CA:TRUE, keyCertSign, cRLSign). Error(cant_create)
// when issuing/N already holds a certificate or a pending request.
IssuingRequest issuing_request(const ca::Home& home, const IssuingRequestSpec& spec,
                               const keys::PassphraseSource& pass);

struct CsrSignSpec {
  std::string name;  // the issuing CA's name, recorded in the root's journal
  std::string cn;    // "" → the CSR's CN
  std::int64_t days = 0;
};

// `iot-ca intermediate --csr`: in the root home, checks the CSR (proof of possession, an
// acceptable key, a CA request — Error(data) otherwise), signs it with the issuing
// profile (the profile, not the CSR, decides every extension) and records it in the
// root's registry and journal. When `out` is given the PEM is written there inside the
// same transaction (removed again when the commit fails).
struct SignedIssuing {
  store::CertRecord record;
  std::string pem;
};
SignedIssuing sign_issuing_csr(const ca::Home& home, const CsrSignSpec& spec,
                               std::string_view csr_bytes, std::string_view csr_name,
                               const keys::PassphraseSource& root_pass,
                               const std::optional<std::filesystem::path>& out);

struct ImportInputs {
  std::string name;
  std::string cert_pem;
  std::string cert_name;
  std::string root_pem;
  std::string root_name;
  std::optional<std::string> root_crl;  // bytes (PEM or DER)
  std::string root_crl_name;
};

struct Imported {
  store::CertRecord record;
  std::filesystem::path cert_path;
  std::optional<std::int64_t> root_crl_number;
};

// `iot-ca issuing-import`: every check before any write — the certificate is a CA with
// pathLenConstraint 0 for the key of the pending request, signed by the given root; the
// root is self-signed and the home's own root when it has one; the root CRL is the
// root's and not expired. Error(no_input) without a pending request, Error(cant_create)
// when N is installed already, Error(data) for every mismatch; nothing is written then.
Imported issuing_import(const ca::Home& home, const ImportInputs& in, std::int64_t now);

}  // namespace pki::workflows
