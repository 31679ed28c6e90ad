// SPDX-License-Identifier: Apache-2.0
#include "config/toml_strict.hpp"

#include <algorithm>

#include "config/toml_bounded.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"

namespace pki::config {
namespace {

std::string dotted(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

const toml::table& empty_table() {
  static const toml::table kEmpty;
  return kEmpty;
}

}  // namespace

std::string where(std::string_view key, const toml::node& node) {
  const auto line = node.source().begin.line;
  return "key '" + std::string(key) + "'" +
         (line > 0 ? " (line " + std::to_string(line) + ")" : "");
}

toml::table parse_text(std::string_view text, std::string_view source_name) {
  TomlParse parsed = parse_toml(text, source_name);
  if (const auto& p = parsed.problem) {
    std::string where = std::string(source_name);
    if (p->line > 0) where += ":" + std::to_string(p->line) + ":" + std::to_string(p->column);
    throw Error(Exit::config, where + ": " + p->message);
  }
  return std::move(parsed.table);
}

toml::table parse_file(const std::filesystem::path& path) {
  const std::string text = fs::read_file(path, fs::kConfigLimit);
  return parse_text(text, path.string());
}

void reject_unknown(const toml::table& table, std::string_view prefix,
                    std::initializer_list<std::string_view> known) {
  for (const auto& [key, node] : table) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      throw Error(Exit::config, "unknown " + where(dotted(prefix, key.str()), node));
    }
  }
}

const toml::table& get_table(const toml::table& t, std::string_view key) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return empty_table();
  if (!node->is_table()) throw Error(Exit::config, where(key, *node) + " must be a table");
  return *node->as_table();
}

std::string get_string(const toml::table& t, std::string_view prefix, std::string_view key,
                       std::string fallback) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return fallback;
  if (!node->is_string()) {
    throw Error(Exit::config, where(dotted(prefix, key), *node) + " must be a string");
  }
  return node->as_string()->get();
}

std::int64_t get_int(const toml::table& t, std::string_view prefix, std::string_view key,
                     std::int64_t fallback, std::int64_t min, std::int64_t max) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return fallback;
  if (!node->is_integer()) {
    throw Error(Exit::config, where(dotted(prefix, key), *node) + " must be an integer");
  }
  const std::int64_t v = node->as_integer()->get();
  if (v < min || v > max) {
    throw Error(Exit::config, where(dotted(prefix, key), *node) + " must be between " +
                                  std::to_string(min) + " and " + std::to_string(max));
  }
  return v;
}

bool get_bool(const toml::table& t, std::string_view prefix, std::string_view key, bool fallback) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return fallback;
  if (!node->is_boolean()) {
    throw Error(Exit::config, where(dotted(prefix, key), *node) + " must be true or false");
  }
  return node->as_boolean()->get();
}

std::int64_t get_duration(const toml::table& t, std::string_view prefix, std::string_view key,
                          std::int64_t fallback) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return fallback;
  const std::string name = where(dotted(prefix, key), *node);
  if (!node->is_string()) throw Error(Exit::config, name + " must be a duration like \"30s\"");
  return parse_duration(node->as_string()->get(), name);
}

}  // namespace pki::config
