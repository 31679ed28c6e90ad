// SPDX-License-Identifier: Apache-2.0
#pragma once
// `iot-ca sign`: a certificate of a profile for a CSR's public key, recorded in one
// transaction.
#include <filesystem>
#include <optional>
#include <string_view>

#include "ca/issue.hpp"

namespace pki::workflows {

// Issues and records the certificate. With `out`, its PEM followed by `chain` is written
// there (atomically) before COMMIT and removed again when COMMIT fails: no certificate
// file without its registry record. Without `out` the caller prints it after COMMIT.
[[nodiscard]] ca::Issued sign(store::Store& db, const x509::Signer& signer, EVP_PKEY* subject_key,
                              const x509::LeafSpec& spec, const config::Settings& settings,
                              const std::optional<std::filesystem::path>& out,
                              std::string_view chain);

}  // namespace pki::workflows
