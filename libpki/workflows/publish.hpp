// SPDX-License-Identifier: Apache-2.0
#pragma once
// Publishing CRLs: the CRL Numbers are allocated and journalled in one transaction that
// commits before any file names them (a crash skips a number, never repeats one); then
// each file is replaced atomically under the directory's PublishLock, after sweeping
// the temp files a killed publisher left.
//
// `iot-revoke crl` publishes one CA's CRL; `iot-ca export` (SPEC §4) the trust material
// a gateway loads:
//   ca-bundle.pem  root, then every issuing CA (oldest first; revoked ones too, so a
//                  verifier finds the chain and then the root's CRL refuses it)
//   crl.pem        the CRL of every CA, same order, concatenated PEM: a fresh one of
//                  each issuing CA, lifetime settings.crl_days_for(name); the root's
//                  kept CRL while it is valid (workflows/root_crl.hpp), so the export
//                  needs no root key
//   manifest.json  names, sizes and SHA-256 of both files, each CA's CRL Number,
//                  thisUpdate and nextUpdate, the earliest nextUpdate, a sequence
//                  number that only grows, and the CA journal's head ("journal": the
//                  seq and hash of this export's own record; `sequence` is that seq)
//   crl/NAME.crl, ca/NAME.crt  each CA's CRL and certificate as DER, for relying parties
//                  that fetch them by URL (publish_der.hpp), also in the manifest
//   manifest.json.p7s  manifest.json's detached CMS signature (SPEC §10)
// written in that order, manifest and its signature last: a reader that checks the files
// against the manifest's hashes never accepts a torn or mixed set (it retries on a
// mismatch), and the previous set stays whole until the new one is complete.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "ca/home.hpp"
#include "crl/issue.hpp"
#include "keys/keys.hpp"

namespace pki::workflows {

inline constexpr std::string_view kBundleName = "ca-bundle.pem";
inline constexpr std::string_view kCrlName = "crl.pem";
inline constexpr std::string_view kManifestName = "manifest.json";
// The detached CMS signature (DER) over manifest.json's exact bytes, by the home's
// publisher key (workflows/publisher.hpp), written after manifest.json.
inline constexpr std::string_view kSignatureName = "manifest.json.p7s";

struct PublishedCrl {
  crl::IssuedCrl crl;  // der emptied once `data` holds the output
  std::string data;    // the bytes written (PEM or DER)
};

// A fresh CRL of `ca` valid for `days`, as PEM (`pem`) or DER. With `out` it is
// written there atomically (its folder must exist); without, the caller prints `data`.
[[nodiscard]] PublishedCrl publish_crl(const ca::Home& home, const x509::Signer& ca,
                                       std::int64_t days, bool pem,
                                       const std::optional<std::filesystem::path>& out,
                                       std::int64_t now);

// Writes the three files into `out_dir` (created 0755 when missing) and returns the
// manifest. Every CA key needed is loaded (and its passphrase checked) before anything
// changes: the issuing CAs' with `pass`, the root's (only when its CRL must be signed
// afresh, see plan_root_crl) with `root_pass`.
nlohmann::json export_trust(const ca::Home& home, const keys::PassphraseSource& pass,
                            const keys::PassphraseSource& root_pass,
                            const std::filesystem::path& out_dir, std::int64_t now);
// The same with one passphrase source for every key.
nlohmann::json export_trust(const ca::Home& home, const keys::PassphraseSource& pass,
                            const std::filesystem::path& out_dir, std::int64_t now);

}  // namespace pki::workflows
