// SPDX-License-Identifier: Apache-2.0
#pragma once
// `iot-ca export`: the trust material a gateway loads (SPEC §4).
//
//   ca-bundle.pem  root, then every issuing CA (oldest first; revoked ones too, so a
//                  verifier finds the chain and then the root's CRL refuses it)
//   crl.pem        a fresh CRL of every CA, same order, concatenated PEM
//   manifest.json  names, sizes and SHA-256 of both files, each CA's CRL Number,
//                  thisUpdate and nextUpdate, and the earliest nextUpdate
//
// All CRL Numbers are allocated and journalled in one transaction that commits before
// any file is written. Each file is replaced atomically, in that order, manifest
// last: a reader that checks the files against the manifest's hashes never accepts a
// torn or mixed set (it retries on a mismatch), and the previous set stays whole
// until the new one is complete.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "ca/home.hpp"
#include "keys/keys.hpp"

namespace pki::crl {

inline constexpr std::string_view kBundleName = "ca-bundle.pem";
inline constexpr std::string_view kCrlName = "crl.pem";
inline constexpr std::string_view kManifestName = "manifest.json";

// Writes the three files into `out_dir` (created 0755 when missing) and returns the
// manifest. Every CA key is loaded (and its passphrase checked) before anything changes.
nlohmann::json export_trust(const ca::Home& home, const keys::PassphraseSource& pass,
                            const std::filesystem::path& out_dir, std::int64_t now);

}  // namespace pki::crl
