// SPDX-License-Identifier: Apache-2.0
#pragma once
// CSV as RFC 4180 writes it (quoted fields, "" escapes, CRLF or LF line ends), for the
// factory-line manifest and report. Parsing never stops at a bad record: it reports it
// and carries on, so one bad line cannot hide the others.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pki::batch {

struct CsvRecord {
  std::size_t line = 0;             // 1-based line where the record starts
  std::vector<std::string> fields;  // wiped when the record dies (they may hold tokens)
  std::string error;                // non-empty: the record is malformed, and why

  CsvRecord() = default;
  CsvRecord(CsvRecord&&) noexcept = default;
  CsvRecord& operator=(CsvRecord&&) noexcept = default;
  CsvRecord(const CsvRecord&) = delete;
  CsvRecord& operator=(const CsvRecord&) = delete;
  ~CsvRecord();
};

inline constexpr std::size_t kMaxCsvRecords = 1'000'000;

// Every record of `text`. A final line end is optional; an empty line is a record with
// one empty field. An unterminated quote ends parsing with an error record. Error(data)
// when there are more than kMaxCsvRecords records.
[[nodiscard]] std::vector<CsvRecord> parse_csv(std::string_view text);

// One field, quoted when it holds a comma, quote, CR or LF, or starts with a character
// a spreadsheet would run as a formula (=, +, -, @), which is prefixed with a quote.
[[nodiscard]] std::string csv_field(std::string_view value);
// The fields joined into one LF-terminated line.
[[nodiscard]] std::string csv_line(std::span<const std::string> fields);

}  // namespace pki::batch
