// SPDX-License-Identifier: Apache-2.0
#include "batch/manifest.hpp"

#include <algorithm>
#include <cctype>

#include "batch/csv.hpp"
#include "core/error.hpp"

namespace pki::batch {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool equals_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_blank_or_comment(const CsvRecord& r) {
  if (!r.error.empty() || r.fields.empty()) return false;
  const std::string_view first = trim(r.fields[0]);
  return (r.fields.size() == 1 && first.empty()) || (!first.empty() && first[0] == '#');
}

bool is_header(const CsvRecord& r) {
  return r.error.empty() && r.fields.size() == 2 && equals_nocase(trim(r.fields[0]), "token") &&
         equals_nocase(trim(r.fields[1]), "csr_path");
}

}  // namespace

std::vector<ManifestRow> parse_manifest(std::string_view text,
                                        const std::filesystem::path& base_dir) {
  std::vector<CsvRecord> records = parse_csv(text);
  std::vector<ManifestRow> rows;
  bool first = true;
  for (CsvRecord& r : records) {
    if (is_blank_or_comment(r)) continue;
    const bool header = first && is_header(r);
    first = false;
    if (header) continue;
    ManifestRow row;
    row.line = r.line;
    if (!r.error.empty()) {
      row.error = "malformed CSV: " + r.error;
    } else if (r.fields.size() != 2) {
      row.error = "expected 2 fields (token,csr_path), found " + std::to_string(r.fields.size());
    } else {
      // Moving keeps the one heap buffer (tokens are longer than the short-string
      // buffer), which Secret wipes.
      row.token = Secret(std::move(r.fields[0]));
      const std::string_view csr = trim(r.fields[1]);
      if (csr.empty()) {
        row.error = "empty csr_path";
      } else {
        const std::filesystem::path p{std::string(csr)};
        row.csr_path = p.is_absolute() ? p : base_dir / p;
      }
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw Error(Exit::data, "the manifest has no rows (expected token,csr_path)");
  return rows;
}

std::string report_csv(std::span<const ReportRow> rows) {
  std::string out(kReportHeader);
  out += "\n";
  for (const ReportRow& r : rows) {
    const std::string fields[] = {std::to_string(r.line), r.device_id, r.status, r.serial,
                                  r.certificate,          r.reason};
    out += csv_line(fields);
  }
  return out;
}

}  // namespace pki::batch
