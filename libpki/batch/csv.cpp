// SPDX-License-Identifier: Apache-2.0
#include "batch/csv.hpp"

#include <sodium.h>

#include "core/error.hpp"

namespace pki::batch {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::vector<CsvRecord> run() {
    std::vector<CsvRecord> out;
    while (pos_ < s_.size()) {
      if (out.size() >= kMaxCsvRecords) {
        throw Error(Exit::data,
                    "too many CSV records (at most " + std::to_string(kMaxCsvRecords) + ")");
      }
      out.push_back(record());
      if (!out.back().error.empty() && fatal_) break;
    }
    return out;
  }

 private:
  bool at_line_end() const { return pos_ >= s_.size() || s_[pos_] == '\n' || s_[pos_] == '\r'; }

  void skip_line_end() {
    if (pos_ < s_.size() && s_[pos_] == '\r') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '\n') ++pos_;
    ++line_;
  }

  // Skips the rest of a broken record so the next one parses cleanly.
  void skip_to_line_end() {
    while (!at_line_end()) ++pos_;
    skip_line_end();
  }

  CsvRecord record() {
    CsvRecord rec;
    rec.line = line_;
    for (;;) {
      if (pos_ < s_.size() && s_[pos_] == '"') {
        quoted(rec);
      } else {
        unquoted(rec);
      }
      if (!rec.error.empty()) {
        if (!fatal_) skip_to_line_end();
        return rec;
      }
      if (at_line_end()) {
        skip_line_end();
        return rec;
      }
      ++pos_;  // the comma
    }
  }

  void unquoted(CsvRecord& rec) {
    const std::size_t start = pos_;
    while (!at_line_end() && s_[pos_] != ',') {
      if (s_[pos_] == '"') {
        rec.error = "a quote inside an unquoted field";
        return;
      }
      ++pos_;
    }
    rec.fields.emplace_back(s_.substr(start, pos_ - start));
  }

  void quoted(CsvRecord& rec) {
    // Find the extent first, so the field is allocated once and never leaves an unwiped
    // copy behind when it grows.
    const std::size_t start = ++pos_;
    std::size_t end = start;
    std::size_t newlines = 0;
    for (;;) {
      if (end >= s_.size()) {
        rec.error = "a quoted field is never closed";
        fatal_ = true;
        pos_ = s_.size();
        return;
      }
      if (s_[end] == '"') {
        if (end + 1 < s_.size() && s_[end + 1] == '"') {
          end += 2;
          continue;
        }
        break;
      }
      if (s_[end] == '\n') ++newlines;
      ++end;
    }
    std::string field;
    field.reserve(end - start);
    for (std::size_t i = start; i < end; ++i) {
      field.push_back(s_[i]);
      if (s_[i] == '"') ++i;  // "" → "
    }
    rec.fields.push_back(std::move(field));
    line_ += newlines;
    pos_ = end + 1;
    if (!at_line_end() && s_[pos_] != ',') rec.error = "text after a closing quote";
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  bool fatal_ = false;
};

// The delimiter a record seems to use instead of ',': the more frequent of ';' and tab
// in its fields, or 0.
char foreign_delimiter(const CsvRecord& r) {
  std::size_t semicolons = 0;
  std::size_t tabs = 0;
  for (const std::string& f : r.fields) {
    for (const char c : f) {
      semicolons += c == ';' ? 1 : 0;
      tabs += c == '\t' ? 1 : 0;
    }
  }
  if (semicolons == 0 && tabs == 0) return 0;
  return tabs > semicolons ? '\t' : ';';
}

std::string delimiter_message(char found) {
  return "fields separated by " + delimiter_name(found) + " where " + delimiter_name(',') +
         " is expected";
}

void check_delimiters(std::vector<CsvRecord>& records, std::size_t expected) {
  bool any_complete = false;
  const CsvRecord* first_foreign = nullptr;
  char first_char = 0;
  for (CsvRecord& r : records) {
    if (!r.error.empty()) continue;
    if (r.fields.size() >= expected) {
      any_complete = true;
      continue;
    }
    const char found = foreign_delimiter(r);
    if (found == 0) continue;
    r.error = delimiter_message(found);
    if (first_foreign == nullptr) {
      first_foreign = &r;
      first_char = found;
    }
  }
  if (!any_complete && first_foreign != nullptr) {
    throw Error(Exit::data, "line " + std::to_string(first_foreign->line) + ": " +
                                delimiter_message(first_char) +
                                "; save the file as comma-separated CSV (a spreadsheet's \"CSV "
                                "UTF-8 (comma delimited)\")");
  }
}

}  // namespace

std::string delimiter_name(char c) {
  switch (c) {
    case ',':
      return "',' (comma)";
    case ';':
      return "';' (semicolon)";
    case '\t':
      return "a tab";
    default:
      return "'" + std::string(1, c) + "'";
  }
}

std::string_view strip_bom(std::string_view text) {
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  return text;
}

CsvRecord::~CsvRecord() {
  for (auto& f : fields) {
    if (f.capacity() > 0) ::sodium_memzero(f.data(), f.capacity());
  }
}

std::vector<CsvRecord> parse_csv(std::string_view text, std::size_t expected_fields) {
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    throw Error(Exit::data,
                "the file is UTF-16 text (it starts with a UTF-16 byte order mark); "
                "save it as UTF-8 comma-separated CSV");
  }
  std::vector<CsvRecord> records = Parser(strip_bom(text)).run();
  if (expected_fields > 1) check_delimiters(records, expected_fields);
  return records;
}

std::string csv_field(std::string_view value) {
  std::string v(value);
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v.insert(0, "'");
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_line(std::span<const std::string> fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_field(fields[i]);
  }
  return out + "\n";
}

}  // namespace pki::batch
