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

// True when `r` names the columns of `header` (case and spaces around names ignored).
bool is_header(const CsvRecord& r, std::string_view header) {
  if (!r.error.empty()) return false;
  std::size_t i = 0;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view name = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (i >= r.fields.size() || !equals_nocase(trim(r.fields[i]), name)) return false;
    ++i;
  }
  return i == r.fields.size();
}

// The data rows of `records`: blank and comment lines dropped, and a first-row header
// `header` too. Error(usage) `wrong_message` when the first row is `wrong_header`.
std::vector<CsvRecord*> data_records(std::vector<CsvRecord>& records, std::string_view header,
                                     std::string_view wrong_header,
                                     const std::string& wrong_message) {
  std::vector<CsvRecord*> out;
  bool first = true;
  for (CsvRecord& r : records) {
    if (is_blank_or_comment(r)) continue;
    if (first && is_header(r, wrong_header)) throw Error(Exit::usage, wrong_message);
    const bool skip = first && is_header(r, header);
    first = false;
    if (!skip) out.push_back(&r);
  }
  return out;
}

}  // namespace

std::vector<ManifestRow> parse_manifest(std::string_view text,
                                        const std::filesystem::path& base_dir) {
  std::vector<CsvRecord> records = parse_csv(text, 2);
  std::vector<ManifestRow> rows;
  for (CsvRecord* rp : data_records(records, kManifestHeader, kTokenFileHeader,
                                    "this is a token file (" + std::string(kTokenFileHeader) +
                                        ", as token --batch writes it): give the folder of the "
                                        "devices' CSRs with --csr-dir DIR")) {
    CsvRecord& r = *rp;
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

std::vector<ManifestRow> parse_token_file(std::string_view text) {
  std::vector<CsvRecord> records = parse_csv(text, 3);
  std::vector<ManifestRow> rows;
  for (CsvRecord* rp : data_records(records, kTokenFileHeader, kManifestHeader,
                                    "this is a manifest (" + std::string(kManifestHeader) +
                                        "): it names its CSRs itself, so leave out --csr-dir")) {
    CsvRecord& r = *rp;
    ManifestRow row;
    row.line = r.line;
    if (!r.error.empty()) {
      row.error = "malformed CSV: " + r.error;
    } else if (r.fields.size() != 3) {
      row.error = "expected 3 fields (" + std::string(kTokenFileHeader) + "), found " +
                  std::to_string(r.fields.size());
    } else {
      row.device_id = std::string(trim(r.fields[0]));
      row.token = Secret(std::move(r.fields[1]));
      if (row.device_id.empty()) row.error = "empty device_id";
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) {
    throw Error(Exit::data,
                "the token file has no rows (expected " + std::string(kTokenFileHeader) + ")");
  }
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
