// SPDX-License-Identifier: Apache-2.0
#pragma once
// The factory-line manifest of `iot-provision enroll --batch` (columns token,csr_path)
// and the report it produces (one row per manifest row).
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret.hpp"

namespace pki::batch {

struct ManifestRow {
  std::size_t line = 0;  // in the manifest, 1-based
  Secret token;          // the token's text, unparsed
  std::filesystem::path csr_path;
  std::string error;  // non-empty: the row itself is malformed, and why
};

// Parses the manifest. An optional header `token,csr_path` is skipped, as are empty
// lines and lines starting with '#'. Relative CSR paths are resolved against `base_dir`
// (the manifest's folder). A malformed row becomes a row with `error` set; it never
// stops the others. Error(data) only when the whole file is unusable.
[[nodiscard]] std::vector<ManifestRow> parse_manifest(std::string_view text,
                                                      const std::filesystem::path& base_dir);

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
