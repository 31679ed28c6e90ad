// SPDX-License-Identifier: Apache-2.0
#pragma once
// A configuration file's schema: one table of keys, each with its type, bounds,
// description and (through the loader's defaults) its default. The loaders of
// gateway.toml (gateway/config) and iot-pki.toml (config/settings) validate from their
// table, and the configuration reference (gateway.toml(5), iot-pki.toml(5)) is
// generated from the same table (config/reference), so the two cannot drift.
//
// Loading walks the whole file and collects every problem with its key and line
// (unknown tables and keys get a "did you mean"), sorted in line order.
#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace pki::config {

struct Problem {
  std::string key;         // dotted ("server.listen"); a table's name for a table problem
  std::size_t line = 0;    // 1-based; 0 when no line holds it (a default, a whole-file check)
  std::string message;     // what is wrong, without the key
  std::size_t column = 0;  // 1-based; set for TOML syntax errors only
};

// "FILE:LINE[:COLUMN]: KEY: MESSAGE" (":LINE", ":COLUMN" left out when 0), the compiler
// form editors jump to.
[[nodiscard]] std::string format_problem(std::string_view file, const Problem& p);
// Line order, problems without a line last; stable otherwise.
void sort_by_line(std::vector<Problem>& problems);

enum class Type { string, path, integer, number, boolean, duration, string_list };
[[nodiscard]] std::string_view type_name(Type t);

struct KeyInfo {
  KeyInfo(std::string table_name, std::string key_name, Type key_type, double lo, double hi,
          std::string text)
      : table(std::move(table_name)),
        name(std::move(key_name)),
        type(key_type),
        min(lo),
        max(hi),
        description(std::move(text)) {}

  std::string table;  // "server"
  std::string name;   // "listen"
  Type type = Type::string;
  // Inclusive bounds: integers and numbers by value, durations in milliseconds,
  // strings and paths by length in bytes, string lists by number of entries.
  double min = 0;
  double max = 0;
  std::string description;   // one paragraph, plain text
  std::string default_text;  // TOML text of the default, filled from the loader's defaults

  [[nodiscard]] std::string dotted() const { return table + "." + name; }
  // The bounds as the reference and the messages write them ("1s", "8192", "1 to 255 bytes").
  [[nodiscard]] std::string min_text() const;
  [[nodiscard]] std::string max_text() const;
};

// Checks a node against its key's type and bounds: "" or the problem's message.
[[nodiscard]] std::string check_value(const KeyInfo& key, const toml::node& node);

// The closest of `candidates` to `word` by edit distance, if it is close enough to be
// the intended spelling.
[[nodiscard]] std::optional<std::string> closest(std::string_view word,
                                                 const std::vector<std::string>& candidates);

// Which line each key present in the file is on ("server.cert" -> 7).
using KeyLines = std::map<std::string, std::size_t>;

// Walks every table and key of `root`: unknown ones are problems (with a suggestion),
// known ones are checked with check_value and, when valid, handed to apply(index, node),
// which may return a further problem message. Returns the problems in line order.
[[nodiscard]] std::vector<Problem> walk(
    const toml::table& root, const std::vector<KeyInfo>& keys,
    const std::function<std::string(std::size_t, const toml::node&)>& apply, KeyLines* lines);

// A key of a loader's table: its description, how a checked value goes into the
// configuration, and how the configuration's value reads as TOML (for the reference).
template <class C>
struct Key {
  KeyInfo info;
  std::function<std::string(const toml::node&, C&)> apply;
  std::function<std::string(const C&)> show;
};

template <class C>
[[nodiscard]] std::vector<KeyInfo> infos(const std::vector<Key<C>>& keys) {
  std::vector<KeyInfo> out;
  const C defaults{};
  for (const auto& k : keys) {
    out.push_back(k.info);
    out.back().default_text = k.show(defaults);
  }
  return out;
}

// Loads `root` into `c` through the table.
template <class C>
[[nodiscard]] std::vector<Problem> load_table(const toml::table& root,
                                              const std::vector<Key<C>>& keys, C& c,
                                              KeyLines* lines) {
  std::vector<KeyInfo> info;
  info.reserve(keys.size());
  for (const auto& k : keys) info.push_back(k.info);
  return walk(
      root, info, [&](std::size_t i, const toml::node& n) { return keys[i].apply(n, c); }, lines);
}

// --- building blocks for the tables; `get` is a generic lambda returning the field -----
// ([](auto& c) -> auto& { return c.server.threads; }), so one accessor serves apply and
// show. `check` (optional) refuses a value the type and bounds cannot express.

[[nodiscard]] std::string toml_string(const std::string& s);  // a TOML basic string

template <class C, class Get>
Key<C> string_key(KeyInfo info, Get get,
                  std::function<std::string(const std::string&)> check = nullptr) {
  info.type = info.type == Type::path ? Type::path : Type::string;
  return {std::move(info),
          [get, check](const toml::node& n, C& c) -> std::string {
            const std::string v = n.as_string()->get();
            if (check) {
              if (std::string p = check(v); !p.empty()) return p;
            }
            get(c) = v;
            return "";
          },
          [get](const C& c) { return toml_string(std::string(get(c))); }};
}

template <class C, class Get>
Key<C> integer_key(KeyInfo info, Get get) {
  info.type = Type::integer;
  return {std::move(info),
          [get](const toml::node& n, C& c) -> std::string {
            using T = std::remove_reference_t<decltype(get(c))>;
            get(c) = static_cast<T>(n.as_integer()->get());
            return "";
          },
          [get](const C& c) { return std::to_string(get(c)); }};
}

template <class C, class Get>
Key<C> number_key(KeyInfo info, Get get) {
  info.type = Type::number;
  return {std::move(info),
          [get](const toml::node& n, C& c) -> std::string {
            get(c) = *n.value<double>();
            return "";
          },
          [get](const C& c) {
            std::ostringstream os;
            os << toml::value<double>(get(c));
            return os.str();
          }};
}

template <class C, class Get>
Key<C> bool_key(KeyInfo info, Get get) {
  info.type = Type::boolean;
  return {std::move(info),
          [get](const toml::node& n, C& c) -> std::string {
            get(c) = n.as_boolean()->get();
            return "";
          },
          [get](const C& c) { return std::string(get(c) ? "true" : "false"); }};
}

[[nodiscard]] std::int64_t duration_node_ms(const toml::node& n);  // after check_value
[[nodiscard]] std::string duration_toml(std::int64_t ms);          // "\"1h30m\""

// A duration into a std::chrono::milliseconds field, or into an integer field that
// counts whole seconds (a sub-second remainder is then a problem).
template <class C, class Get>
Key<C> duration_key(KeyInfo info, Get get) {
  info.type = Type::duration;
  return {std::move(info),
          [get](const toml::node& n, C& c) -> std::string {
            const std::int64_t ms = duration_node_ms(n);
            using T = std::remove_reference_t<decltype(get(c))>;
            if constexpr (std::is_integral_v<T>) {
              if (ms % 1000 != 0) return "must be a whole number of seconds";
              get(c) = static_cast<T>(ms / 1000);
            } else {
              get(c) = T(ms);
            }
            return "";
          },
          [get](const C& c) {
            using T = std::remove_cvref_t<decltype(get(c))>;
            if constexpr (std::is_integral_v<T>) {
              return duration_toml(static_cast<std::int64_t>(get(c)) * 1000);
            } else {
              return duration_toml(static_cast<std::int64_t>(get(c).count()));
            }
          }};
}

// An array of strings, each accepted by `check` (which returns "" or a problem).
template <class C, class Get>
Key<C> string_list_key(KeyInfo info, Get get,
                       std::function<std::string(const std::string&)> check) {
  info.type = Type::string_list;
  return {std::move(info),
          [get, check](const toml::node& n, C& c) -> std::string {
            std::vector<std::string> out;
            for (const toml::node& e : *n.as_array()) {
              const std::string v = e.as_string()->get();
              if (std::string p = check(v); !p.empty()) return p;
              out.push_back(v);
            }
            get(c) = std::move(out);
            return "";
          },
          [get](const C& c) {
            std::string s = "[";
            for (const auto& v : get(c)) s += (s.size() > 1 ? ", " : "") + toml_string(v);
            return s + "]";
          }};
}

}  // namespace pki::config
