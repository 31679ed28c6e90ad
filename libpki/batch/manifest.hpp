// SPDX-License-Identifier: Apache-2.0
#pragma once
// The inputs of `iot-provision enroll --batch` — a manifest (columns token,csr_path), or
// the token file of `token --batch` (device_id,token,expires_at) joined with a CSR
// folder — and the report it produces (one row per input row).
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret.hpp"

namespace pki::batch {

struct ManifestRow {
  std::size_t line = 0;            // in the manifest, 1-based
  Secret token;                    // the token's text, unparsed
  std::filesystem::path csr_path;  // empty for a token-file row (the caller joins it)
  std::string device_id;           // a token-file row's device_id column, unchecked
  std::string error;               // non-empty: the row itself is malformed, and why
};

inline constexpr std::string_view kManifestHeader = "token,csr_path";
inline constexpr std::string_view kTokenFileHeader = "device_id,token,expires_at";

// Parses the manifest. An optional header `token,csr_path` is skipped, as are empty
// lines and lines starting with '#'. Relative CSR paths are resolved against `base_dir`
// (the manifest's folder). A malformed row becomes a row with `error` set; it never
// stops the others. Error(data) only when the whole file is unusable.
// A token file (the header of kTokenFileHeader given) is refused with Error(usage) saying
// that it needs --csr-dir.
[[nodiscard]] std::vector<ManifestRow> parse_manifest(std::string_view text,
                                                      const std::filesystem::path& base_dir);

// Parses the token file `token --batch` writes: an optional header device_id,token,
// expires_at, then one row per device (blank lines and '#' lines skipped). Each row's
// device_id and token are kept (expires_at is the registry's business); csr_path is left
// to the caller, which checks the device id and joins it with its CSR folder. Malformed
// rows carry `error`. A manifest (its header given) is refused with Error(usage); a file
// without rows with Error(data).
[[nodiscard]] std::vector<ManifestRow> parse_token_file(std::string_view text);

struct ReportRow {
  std::size_t line = 0;
  std::string device_id;
  std::string status;  // ok | error
  std::string serial;
  std::string certificate;  // path of the certificate file
  std::string reason;       // why it failed, or a note (e.g. re-emitted)
};

inline constexpr std::string_view kReportHeader = "line,device_id,status,serial,certificate,reason";

// The report as CSV text with a header line, rows in manifest order.
[[nodiscard]] std::string report_csv(std::span<const ReportRow> rows);

}  // namespace pki::batch
