// SPDX-License-Identifier: Apache-2.0
#pragma once
// Creating the CAs of a PKI home: `iot-ca init` (the root) and `iot-ca intermediate`
// (an issuing CA, pathLenConstraint 0). Each generates the key, writes it (PKCS#8,
// encrypted unless asked not to), records the certificate and its journal record
// (ca::record_issued) and writes the certificate file in one transaction; the
// certificate file comes last, because its presence marks the CA as existing. With a
// key URI (--key-uri) the key is found or generated in the PKCS#11 token instead and
// the home records the URI (keys/ca_key.hpp); no key file is written.
#include <cstdint>
#include <filesystem>
#include <string>

#include "ca/home.hpp"
#include "keys/keys.hpp"
#include "store/store.hpp"

namespace pki::workflows {

struct NewCa {
  store::CertRecord record;
  std::filesystem::path cert_path;
  std::filesystem::path key_path;
  bool encrypted = false;
  std::string key_uri;  // the recorded PKCS#11 URI when the key is in a token, else ""
};

struct RootSpec {
  std::string cn;
  std::string org;  // "" → settings.organisation
  keys::KeyType type = keys::KeyType::rsa4096;
  std::int64_t days = 0;  // 0 → settings.root_days
  bool no_passphrase = false;
  std::string key_uri{};  // "" → a key file; else a PKCS#11 URI (PIN from the source)
};

// Error(cant_create) when the home already has a root CA; Error(usage) for an empty CN.
// The passphrase is settled before anything is created: a refused one leaves no trace.
NewCa init_root(const ca::Home& home, const RootSpec& spec, const keys::PassphraseSource& pass);

struct IssuingSpec {
  std::string name;  // directory under issuing/ (ca::require_ca_name)
  std::string cn;
  keys::KeyType type = keys::KeyType::ec_p384;
  std::int64_t days = 0;  // 0 → settings.issuing_days
  bool no_passphrase = false;
  std::string key_uri{};  // as RootSpec::key_uri
};

// The new key gets its own passphrase (`pass`: a file, or a new prompt), asked before the
// root key is opened with `root_pass`. Error(cant_create) when the name exists.
NewCa create_issuing(const ca::Home& home, const IssuingSpec& spec,
                     const keys::PassphraseSource& pass, const keys::PassphraseSource& root_pass);
// The same with one source for both keys (the root's passphrase protects the new key).
NewCa create_issuing(const ca::Home& home, const IssuingSpec& spec,
                     const keys::PassphraseSource& pass);

}  // namespace pki::workflows
