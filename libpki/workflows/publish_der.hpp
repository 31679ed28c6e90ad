// SPDX-License-Identifier: Apache-2.0
#pragma once
// The DER files of an export that relying parties fetch by URL (the CRL Distribution
// Point and AIA caIssuers that iot-pki.toml's [ca] crl_url / ca_issuers_url put into
// certificates, "{ca}" being the CA's name):
//   crl/NAME.crl  each CA's CRL, DER (the same CRL as in crl.pem)
//   ca/NAME.crt   each CA's certificate, DER
// NAME is "root" or the issuing CA's name, so serving the export directory over HTTP
// answers "http://HOST/crl/{ca}.crl" and "http://HOST/ca/{ca}.crt".
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/handles.hpp"
#include "crl/issue.hpp"
#include "x509/profile.hpp"

namespace pki::workflows {

[[nodiscard]] std::string der_crl_name(std::string_view ca);   // "crl/NAME.crl"
[[nodiscard]] std::string der_cert_name(std::string_view ca);  // "ca/NAME.crt"

using FileEntry = std::function<nlohmann::json(std::string_view name, std::string_view data)>;

// Writes both files of every CA (certs[i] with crls[i], named by crls[i].ca) under `out_dir`, each
// atomically (0644; the folders 0755 when this creates them), after sweeping stale temp files; the
// caller holds the directory's PublishLock. Returns the manifest "files" entries made
// by `entry`, in the order written.
[[nodiscard]] nlohmann::json write_der_files(const std::filesystem::path& out_dir,
                                             const std::vector<X509Ptr>& certs,
                                             const std::vector<crl::IssuedCrl>& crls,
                                             const FileEntry& entry);

}  // namespace pki::workflows
