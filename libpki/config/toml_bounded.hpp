// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one way the project parses TOML (iot-pki.toml and gateway.toml). toml++ recurses
// once per nesting level and per dotted-key part, so a 100,000-part table header
// (`[a.a.a…]`) or `[[[[…]]]]` overflows the stack; the text is measured and scanned
// before toml++ sees it.
#include <toml++/toml.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pki::config {

// Deepest array / inline-table nesting, and most parts in one key (`a.b.c` has 3, a
// table header counts its parts too). Real configurations use at most 3 or 4.
inline constexpr std::size_t kMaxTomlDepth = 32;

struct TomlProblem {
  std::size_t line = 0;  // 1-based; 0 when the problem is the whole text (its size)
  std::size_t column = 0;
  std::string message;
};

// Scans the text the way TOML tokenises it (comments and the four string forms are
// skipped, so brackets and dots inside them do not count) and reports the first key
// with more than kMaxTomlDepth parts or the first bracket/brace opened beyond that depth.
[[nodiscard]] std::optional<TomlProblem> check_toml_bounds(std::string_view text);

struct TomlParse {
  toml::table table;
  std::optional<TomlProblem> problem;  // set when the text was refused or did not parse
};

// Size (at most fs::kConfigLimit), then check_toml_bounds, then toml::parse. Never
// throws for any input text.
[[nodiscard]] TomlParse parse_toml(std::string_view text, std::string_view source_name);

}  // namespace pki::config
