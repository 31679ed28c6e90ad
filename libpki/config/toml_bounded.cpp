// SPDX-License-Identifier: Apache-2.0
#include "config/toml_bounded.hpp"

#include <vector>

#include "fsutil/files.hpp"

namespace pki::config {
namespace {

// A small TOML tokeniser that knows only what nesting needs (TOML 1.0 §Keys, §Table,
// §Array, §Inline Table, §String). Anything it does not understand is left for toml++
// to report: the scan never rejects valid TOML within the bounds.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  std::optional<TomlProblem> run() {
    while (pos_ < s_.size() && !problem_) {
      if (stack_.empty() && at_line_start_) {
        at_line_start_ = false;
        skip_blanks();
        if (pos_ >= s_.size()) break;  // the text ends in blanks (fuzz_settings found it)
        if (s_[pos_] == '[') {
          header();
          continue;
        }
        key_ = true;
        parts_ = 1;
      }
      step();
    }
    return problem_;
  }

 private:
  void step() {
    const char c = s_[pos_];
    if (c == '\n') {
      newline();
      return;
    }
    if (c == '#') {
      while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      return;
    }
    if (c == '"' || c == '\'') {
      string();
      return;
    }
    ++pos_;
    if (key_) {
      if (c == '.') count_part();
      if (c == '=') key_ = false;
      if (c == '}' && !stack_.empty()) {  // `{}`: an empty inline table
        stack_.pop_back();
        key_ = false;
      }
      return;
    }
    if (c == '[' || c == '{') {
      stack_.push_back(c);
      if (stack_.size() > kMaxTomlDepth) {
        fail("arrays and inline tables nested deeper than " + std::to_string(kMaxTomlDepth) +
             " levels");
        return;
      }
      if (c == '{') start_key();
    } else if (c == ']' || c == '}') {
      if (!stack_.empty()) stack_.pop_back();
    } else if (c == ',' && !stack_.empty() && stack_.back() == '{') {
      start_key();
    }
  }

  // `[a.b]` or `[[a.b]]`: only the parts count; the brackets are not nesting.
  void header() {
    ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '[') ++pos_;
    parts_ = 1;
    key_ = true;
    while (pos_ < s_.size() && !problem_) {
      const char c = s_[pos_];
      if (c == '\n' || c == ']') break;
      if (c == '"' || c == '\'') {
        string();
        continue;
      }
      ++pos_;
      if (c == '.') count_part();
    }
    key_ = false;  // the rest of the line is `]`, `]]`, blanks or a comment
  }

  void start_key() {
    key_ = true;
    parts_ = 1;
  }

  void count_part() {
    if (++parts_ > kMaxTomlDepth) {
      fail("a key with more than " + std::to_string(kMaxTomlDepth) + " dotted parts");
    }
  }

  void newline() {
    ++pos_;
    ++line_;
    line_start_ = pos_;
    if (stack_.empty()) {
      at_line_start_ = true;
      key_ = false;
    }
  }

  // Skips a basic ("…", """…""") or literal ('…', '''…''') string. A single-line
  // string ends at its newline at the latest (toml++ reports that error).
  void string() {
    const char q = s_[pos_];
    const bool multi = s_.substr(pos_, 3) == std::string_view(q == '"' ? "\"\"\"" : "'''");
    pos_ += multi ? 3 : 1;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '\\' && q == '"') {
        if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
          ++pos_;  // the newline is counted below
        } else {
          pos_ += 2;
          continue;
        }
      }
      if (s_[pos_] == '\n') {
        if (!multi) return;
        ++pos_;
        ++line_;
        line_start_ = pos_;
        continue;
      }
      if (c == q &&
          (!multi || s_.substr(pos_, 3) == std::string_view(q == '"' ? "\"\"\"" : "'''"))) {
        pos_ += multi ? 3 : 1;
        // """a""""" may end with up to two more quotes that belong to the content.
        while (multi && pos_ < s_.size() && s_[pos_] == q) ++pos_;
        return;
      }
      ++pos_;
    }
  }

  void skip_blanks() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }

  void fail(std::string what) {
    problem_ = TomlProblem{
        line_, pos_ - line_start_ + 1,  // 1-based, as toml++ counts
        "refused before parsing: " + what + " (at most " + std::to_string(kMaxTomlDepth) + ")"};
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;
  bool at_line_start_ = true;
  bool key_ = false;
  std::size_t parts_ = 1;
  std::vector<char> stack_;
  std::optional<TomlProblem> problem_;
};

}  // namespace

std::optional<TomlProblem> check_toml_bounds(std::string_view text) {
  return Scanner(text).run();
}

TomlParse parse_toml(std::string_view text, std::string_view source_name) {
  TomlParse out;
  if (text.size() > fs::kConfigLimit.bytes) {
    out.problem = TomlProblem{0, 0,
                              "the text is " + std::to_string(text.size()) +
                                  " bytes; a configuration file is at most " +
                                  std::to_string(fs::kConfigLimit.bytes) + " bytes"};
    return out;
  }
  out.problem = check_toml_bounds(text);
  if (out.problem) return out;
  try {
    out.table = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    out.problem =
        TomlProblem{e.source().begin.line, e.source().begin.column, std::string(e.description())};
  }
  return out;
}

}  // namespace pki::config
