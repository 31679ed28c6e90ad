// SPDX-License-Identifier: Apache-2.0
#pragma once
// CSV as RFC 4180 writes it (quoted fields, "" escapes, CRLF or LF line ends), for the
// factory-line inputs (manifest, token file) and the report. Parsing never stops at a bad
// record: it reports it and carries on, so one bad line cannot hide the others. A UTF-8
// byte order mark at the start (spreadsheets write one) is skipped, and a file whose
// fields are separated by ';' or tabs (spreadsheets in many locales) is told so.
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

// The UTF-8 encoding of U+FEFF, the byte order mark.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// `text` without one leading UTF-8 byte order mark.
[[nodiscard]] std::string_view strip_bom(std::string_view text);

// Every record of `text` (a leading byte order mark skipped). A final line end is
// optional; an empty line is a record with one empty field. An unterminated quote ends
// parsing with an error record. Error(data) when there are more than kMaxCsvRecords
// records, or when the text starts with a UTF-16 byte order mark.
//
// With `expected_fields` > 1, a well-formed record with fewer fields whose text holds a
// ';' or a tab is an error naming the delimiter found and the one expected, and when no
// record has `expected_fields` or more fields and one has that error, the whole file is
// refused: Error(data) naming the delimiter, the one expected and the first such line.
[[nodiscard]] std::vector<CsvRecord> parse_csv(std::string_view text,
                                               std::size_t expected_fields = 0);

// "';' (semicolon)", "a tab", "',' (comma)": how messages name a delimiter.
[[nodiscard]] std::string delimiter_name(char c);

// One field, quoted when it holds a comma, quote, CR or LF, or starts with a character
// a spreadsheet would run as a formula (=, +, -, @), which is prefixed with a quote.
[[nodiscard]] std::string csv_field(std::string_view value);
// The fields joined into one LF-terminated line.
[[nodiscard]] std::string csv_line(std::span<const std::string> fields);

}  // namespace pki::batch
