// SPDX-License-Identifier: Apache-2.0
#pragma once
// Helpers for reading TOML strictly: every key is known, every value has the right
// type, and an error names the key and its line (SPEC §2, §5).
#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

namespace pki::config {

// Parses a file; a syntax error, or text refused by parse_toml (too large, nested too
// deep), becomes Error(config) with file, line and column.
[[nodiscard]] toml::table parse_file(const std::filesystem::path& path);
[[nodiscard]] toml::table parse_text(std::string_view text, std::string_view source_name);

// "key 'x.y' (line N)" for messages.
[[nodiscard]] std::string where(std::string_view dotted, const toml::node& node);

// Refuses any key of `table` not listed in `known`, naming it and its line.
void reject_unknown(const toml::table& table, std::string_view prefix,
                    std::initializer_list<std::string_view> known);

// Typed getters: a missing key keeps `fallback`; a wrong type or value is Error(config).
[[nodiscard]] std::string get_string(const toml::table& t, std::string_view prefix,
                                     std::string_view key, std::string fallback);
[[nodiscard]] std::int64_t get_int(const toml::table& t, std::string_view prefix,
                                   std::string_view key, std::int64_t fallback, std::int64_t min,
                                   std::int64_t max);
[[nodiscard]] bool get_bool(const toml::table& t, std::string_view prefix, std::string_view key,
                            bool fallback);
// Durations as "30s", "10m", "1h", "7d"; returns seconds.
[[nodiscard]] std::int64_t get_duration(const toml::table& t, std::string_view prefix,
                                        std::string_view key, std::int64_t fallback);
// A sub-table, or an empty one when absent; a non-table value is Error(config).
[[nodiscard]] const toml::table& get_table(const toml::table& t, std::string_view key);

}  // namespace pki::config
