// SPDX-License-Identifier: Apache-2.0
#include "config/reference.hpp"

#include <algorithm>

namespace pki::config {
namespace {

// Text for roff text lines: one sentence per line (mdoc's rule), backslashes escaped,
// a leading dot or quote neutralised.
std::string text_line(const std::string& s) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    line_start = false;
    if (c == '\\') {
      out += "\\e";
    } else if (c == ' ' && i > 0 && s[i - 1] == '.') {
      out += '\n';
      line_start = true;
    } else {
      out += c;
    }
  }
  return out;
}

// One quoted mdoc macro argument.
std::string arg(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') {
      out += "\\(dq";
    } else if (c == '\\') {
      out += "\\e";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string bounds(const KeyInfo& k) {
  switch (k.type) {
    case Type::boolean:
      return "";
    case Type::string:
    case Type::path:
      return "Length: " + k.min_text() + " to " + k.max_text() + " bytes.";
    case Type::string_list:
      return "Entries: " + k.min_text() + " to " + k.max_text() + ".";
    case Type::integer:
    case Type::number:
    case Type::duration:
      return "Minimum " + k.min_text() + ", maximum " + k.max_text() + ".";
  }
  return "";
}

}  // namespace

std::string render_man(const ManPage& page) {
  std::string upper = page.name;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string m;
  m += ".\\\" SPDX-License-Identifier: Apache-2.0\n";
  m += ".\\\" Generated from the loader's schema table by config-reference; do not edit.\n";
  m += ".\\\" Regenerate: cmake --build build --target update-man\n";
  m += ".Dd December 1, 2026\n.Dt " + upper + " 5\n.Os iot-pki\n";
  m += ".Sh NAME\n.Nm " + page.name + "\n.Nd " + page.describes + "\n";
  m += ".Sh DESCRIPTION\n";
  for (std::size_t i = 0; i < page.description.size(); ++i) {
    if (i > 0) m += ".Pp\n";
    m += text_line(page.description[i]) + "\n";
  }
  m += ".Ss Durations\n";
  m += "A duration is a string of one or more groups of digits and a unit, largest unit "
       "first and each unit at most once:\n";
  m += ".Ql ms ,\n.Ql s ,\n.Ql m ,\n.Ql h ,\n.Ql d ;\n";
  m += "for example\n.Ql \"500ms\" ,\n.Ql \"30s\" ,\n.Ql \"1h30m\" ,\n.Ql \"7d\" .\n";
  m += "No sign, blanks or fractions.\n";
  m += ".Ss Problems\n";
  m += "Every problem of the file is reported at once, in line order, as\n";
  m += ".Dl FILE:LINE: TABLE.KEY: MESSAGE\n";
  m += "An unknown table or key is an error (with the closest known name when one is near),\n";
  m += "as is a value of the wrong type or outside its minimum and maximum.\n";
  m += ".Sh KEYS\n";
  for (const TableDoc& t : page.tables) {
    m += ".Ss [" + t.name + "]\n";
    if (!t.description.empty()) m += text_line(t.description) + "\n";
    m += ".Bl -tag -width Ds\n";
    for (const KeyInfo& k : page.keys) {
      if (k.table != t.name) continue;
      m += ".It Cm " + k.name + " Pq " + std::string(type_name(k.type)) + "\n";
      m += text_line(k.description) + "\n";
      m += ".Pp\nDefault:\n.Ql " + arg(k.default_text) + " .\n";
      if (const std::string b = bounds(k); !b.empty()) m += text_line(b) + "\n";
    }
    m += ".El\n";
  }
  m += ".Sh SEE ALSO\n.Xr " + page.see_also + "\n";
  return m;
}

}  // namespace pki::config
