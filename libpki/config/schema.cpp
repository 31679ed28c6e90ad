// SPDX-License-Identifier: Apache-2.0
#include "config/schema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/duration.hpp"

namespace pki::config {
namespace {

std::size_t line_of(const toml::node& n) {
  return n.source().begin.line;
}

// A bound as text: durations as durations, everything else as a number.
std::string bound_text(Type t, double v) {
  if (t == Type::duration) return format_duration_ms(static_cast<std::int64_t>(v));
  if (t == Type::number) {
    std::ostringstream os;
    os << v;
    return os.str();
  }
  return std::to_string(static_cast<std::int64_t>(v));
}

std::string got(const toml::node& n) {
  std::ostringstream os;
  if (n.is_string()) {
    const std::string& s = n.as_string()->get();
    return "\"" + s.substr(0, 80) + (s.size() > 80 ? "…" : "") + "\"";
  }
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  if (n.is_date() || n.is_time() || n.is_date_time()) return "a date/time";
  n.visit([&](const auto& v) { os << v; });
  return os.str();
}

std::string type_problem(const KeyInfo& k, const toml::node& n) {
  std::string want;
  switch (k.type) {
    case Type::string:
      want = "a string";
      break;
    case Type::path:
      want = "a path string";
      break;
    case Type::integer:
      want = "an integer";
      break;
    case Type::number:
      want = "a number";
      break;
    case Type::boolean:
      want = "true or false";
      break;
    case Type::duration:
      want = std::string(kDurationSyntax);
      break;
    case Type::string_list:
      want = "an array of strings";
      break;
  }
  return "must be " + want + " (got " + got(n) + ")";
}

std::string range_problem(const KeyInfo& k, double v, const std::string& shown) {
  if (v < k.min) return "must be at least " + k.min_text() + " (got " + shown + ")";
  if (v > k.max) return "must be at most " + k.max_text() + " (got " + shown + ")";
  return "";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string format_problem(std::string_view file, const Problem& p) {
  std::string out(file);
  if (p.line > 0) out += ":" + std::to_string(p.line);
  if (p.line > 0 && p.column > 0) out += ":" + std::to_string(p.column);
  out += ": ";
  if (!p.key.empty()) out += p.key + ": ";
  return out + p.message;
}

void sort_by_line(std::vector<Problem>& problems) {
  std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
    const std::size_t la = a.line == 0 ? SIZE_MAX : a.line;
    const std::size_t lb = b.line == 0 ? SIZE_MAX : b.line;
    return la < lb;
  });
}

std::string_view type_name(Type t) {
  switch (t) {
    case Type::string:
      return "string";
    case Type::path:
      return "path";
    case Type::integer:
      return "integer";
    case Type::number:
      return "number";
    case Type::boolean:
      return "boolean";
    case Type::duration:
      return "duration";
    case Type::string_list:
      return "array of strings";
  }
  return "?";
}

std::string KeyInfo::min_text() const {
  return bound_text(type, min);
}

std::string KeyInfo::max_text() const {
  return bound_text(type, max);
}

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::int64_t duration_node_ms(const toml::node& n) {
  return parse_duration_ms(n.as_string()->get()).value_or(0);
}

std::string duration_toml(std::int64_t ms) {
  return "\"" + format_duration_ms(ms) + "\"";
}

std::string check_value(const KeyInfo& k, const toml::node& n) {
  switch (k.type) {
    case Type::string:
    case Type::path: {
      if (!n.is_string()) return type_problem(k, n);
      const std::string& s = n.as_string()->get();
      if (s.find('\0') != std::string::npos) return "must not contain NUL";
      if (static_cast<double>(s.size()) < k.min) {
        return k.min == 1 ? "must not be empty"
                          : "must be at least " + k.min_text() + " bytes long";
      }
      if (static_cast<double>(s.size()) > k.max) {
        return "must be at most " + k.max_text() + " bytes long (got " + std::to_string(s.size()) +
               ")";
      }
      return "";
    }
    case Type::integer: {
      if (!n.is_integer()) return type_problem(k, n);
      const std::int64_t v = n.as_integer()->get();
      return range_problem(k, static_cast<double>(v), std::to_string(v));
    }
    case Type::number: {
      if (!n.is_number()) return type_problem(k, n);
      const double v = *n.value<double>();
      if (!std::isfinite(v)) return "must be a finite number";
      return range_problem(k, v, got(n));
    }
    case Type::boolean:
      return n.is_boolean() ? "" : type_problem(k, n);
    case Type::duration: {
      if (!n.is_string()) return type_problem(k, n);
      const auto ms = parse_duration_ms(n.as_string()->get());
      if (!ms) return type_problem(k, n);
      return range_problem(k, static_cast<double>(*ms), got(n));
    }
    case Type::string_list: {
      const toml::array* a = n.as_array();
      if (a == nullptr) return type_problem(k, n);
      for (const toml::node& e : *a) {
        if (!e.is_string()) return type_problem(k, n);
        if (e.as_string()->get().find('\0') != std::string::npos) return "must not contain NUL";
      }
      if (static_cast<double>(a->size()) < k.min) {
        return "must have at least " + k.min_text() + " entries";
      }
      if (static_cast<double>(a->size()) > k.max) {
        return "must have at most " + k.max_text() + " entries (got " + std::to_string(a->size()) +
               ")";
      }
      return "";
    }
  }
  return "unknown type";
}

std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string>& candidates) {
  if (word.size() > 256) return std::nullopt;  // nobody mistypes a 257-byte key
  // One edit in four characters, at least one and at most three: "tokn_burst" finds
  // "token_burst", "tls" does not find "ttl" and "url".
  const std::size_t limit = std::clamp<std::size_t>(word.size() / 4, 1, 3);
  std::optional<std::string> best;
  std::size_t best_d = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::vector<Problem> walk(const toml::table& root, const std::vector<KeyInfo>& keys,
                          const std::function<std::string(std::size_t, const toml::node&)>& apply,
                          KeyLines* lines) {
  std::vector<Problem> problems;
  std::vector<std::string> tables;
  for (const auto& k : keys) {
    if (std::find(tables.begin(), tables.end(), k.table) == tables.end()) {
      tables.push_back(k.table);
    }
  }
  const auto suggest = [](const std::optional<std::string>& s) {
    return s ? " (did you mean '" + *s + "'?)" : std::string();
  };
  for (const auto& [tkey, tnode] : root) {
    const std::string table(tkey.str());
    if (std::find(tables.begin(), tables.end(), table) == tables.end()) {
      // A key written above every table header, or a misspelt table.
      problems.push_back(
          {table, line_of(tnode),
           (tnode.is_table() ? "unknown table" : "unknown key") + suggest(closest(table, tables))});
      continue;
    }
    const toml::table* t = tnode.as_table();
    if (t == nullptr) {
      problems.push_back({table, line_of(tnode), "must be a table ([" + table + "])"});
      continue;
    }
    std::vector<std::string> names;
    for (const auto& k : keys) {
      if (k.table == table) names.push_back(k.name);
    }
    for (const auto& [kkey, node] : *t) {
      const std::string name(kkey.str());
      const std::string dotted = table + "." + name;
      const auto it = std::find_if(keys.begin(), keys.end(), [&](const KeyInfo& k) {
        return k.table == table && k.name == name;
      });
      if (it == keys.end()) {
        std::optional<std::string> hint = closest(name, names);
        if (!hint) {
          // The right key in the wrong table: "[server] ttl" -> "jwt.ttl".
          for (const auto& k : keys) {
            if (k.name == name) hint = k.dotted();
          }
        }
        problems.push_back({dotted, line_of(node), "unknown key" + suggest(hint)});
        continue;
      }
      if (lines != nullptr) (*lines)[dotted] = line_of(node);
      std::string problem = check_value(*it, node);
      if (problem.empty()) problem = apply(static_cast<std::size_t>(it - keys.begin()), node);
      if (!problem.empty()) problems.push_back({dotted, line_of(node), std::move(problem)});
    }
  }
  sort_by_line(problems);
  return problems;
}

}  // namespace pki::config
