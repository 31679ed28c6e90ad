// SPDX-License-Identifier: Apache-2.0
#include "gateway/http/target.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace gw::http {
namespace {

bool hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

bool control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

// RFC 3986 §3.3: pchar = unreserved / pct-encoded / sub-delims / ":" / "@".
bool path_byte(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  constexpr std::string_view kOther = "-._~!$&'()*+,;=:@/%";
  return kOther.find(static_cast<char>(c)) != std::string_view::npos;
}

// Full-width and look-alike forms that Unicode normalisation (NFKC) or a careless
// backend could turn into '.', '/' or '\'.
constexpr std::array<std::uint32_t, 9> kLookAlikes = {
    0xFF0E, 0xFF0F, 0xFF3C,  // full-width . / backslash
    0x2024, 0xFE52,          // one dot leader, small full stop
    0x2215, 0x2044, 0x29F8,  // division slash, fraction slash, big solidus
    0xFE68,                  // small reverse solidus
};

// Strict UTF-8 (RFC 3629): shortest form, no surrogates, at most U+10FFFF.
std::optional<std::string_view> utf8_problem(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2, cp = b0 & 0x1Fu, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3, cp = b0 & 0x0Fu, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4, cp = b0 & 0x07u, min = 0x10000;
    } else {
      return "invalid UTF-8 in the path";  // stray continuation, C0/C1 overlong lead, F5+
    }
    if (i + len > s.size()) return "invalid UTF-8 in the path";
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0u) != 0x80) return "invalid UTF-8 in the path";
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return "invalid UTF-8 in the path";
    }
    for (const std::uint32_t bad : kLookAlikes) {
      if (cp == bad) return "look-alike dot or slash in the path";
    }
    i += len;
  }
  return std::nullopt;
}

// A segment a backend may treat as "." or "..": dots and spaces only, at least one dot
// (Windows drops trailing dots and spaces), judged up to the first ';'.
bool dot_segment(std::string_view seg) {
  seg = seg.substr(0, seg.find(';'));
  return !seg.empty() && seg.find_first_not_of(". ") == std::string_view::npos &&
         seg.find('.') != std::string_view::npos;
}

// Decodes one segment of the raw path, refusing what must not appear decoded.
std::optional<std::string_view> decode_segment(std::string_view raw, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      out.push_back(raw[i]);
      continue;
    }
    if (i + 2 >= raw.size() || !hex(raw[i + 1]) || !hex(raw[i + 2]))
      return "invalid percent-encoding";
    const auto c = static_cast<unsigned char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
    i += 2;
    if (c == '/') return "encoded slash in the path";
    if (c == '\\') return "encoded backslash in the path";
    if (control(c)) return "encoded control byte in the path";
    out.push_back(static_cast<char>(c));
  }
  // Decoding twice must not give anything new: a '%' followed by two hex digits after
  // one decode ("%252e", "%25%32%65") is refused, whatever the backend does.
  for (std::size_t i = 0; i + 2 < out.size(); ++i) {
    if (out[i] == '%' && hex(out[i + 1]) && hex(out[i + 2])) return "double percent-encoding";
  }
  return std::nullopt;
}

}  // namespace

std::string_view target_path(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::optional<std::string_view> target_problem(std::string_view target) {
  if (target.empty() || target.front() != '/') return "request target must be a path (origin-form)";
  const std::string_view path = target_path(target);
  const std::string_view query =
      path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view{};
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') return "backslash in the path";
    if (control(c)) return "control byte in the path";
    if (c >= 0x80) return "raw non-ASCII byte in the path";
    if (!path_byte(c)) return "byte not allowed in a path";
  }
  for (const char ch : query) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '#') return "byte not allowed in the query";
  }
  std::string decoded;
  std::string whole;
  for (std::size_t start = 1; start <= path.size();) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (auto p = decode_segment(path.substr(start, end - start), decoded)) return p;
    if (dot_segment(decoded)) return "dot segment in the path";
    whole.append(decoded).push_back('/');
    start = end + 1;
  }
  return utf8_problem(whole);
}

}  // namespace gw::http
