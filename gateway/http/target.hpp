// SPDX-License-Identifier: Apache-2.0
#pragma once
// Request-target rules (docs/security.md, "Request targets and identity headers"). The
// gateway forwards the target as it came, so it refuses every target that a backend
// could normalise into a path other than the one the gateway routed: the rules are
// checked on the raw bytes and on the form decoded once, on every route.
#include <optional>
#include <string_view>

namespace gw::http {

// Accepted: origin-form ("/" path ["?" query], RFC 9112 §3.2.1) where
//  * the path holds only RFC 3986 pchar bytes, "/" and valid %XX escapes;
//  * decoded once, no segment (up to its first ';', Tomcat-style path parameters) is
//    made of dots and spaces only ("." and ".." and "..." and ".. "), no byte is "/",
//    "\", NUL or another control byte, no "%XX" remains (double encoding), the bytes are
//    valid UTF-8 (no overlong forms), and no code point is a full-width or look-alike
//    dot, slash or backslash;
//  * the query holds visible ASCII only (no '#').
// Refused: absolute-form ("http://h/x"), authority-form, asterisk-form ("*") too.
// Returns nullopt when the target is acceptable, else a short reason for the 400 body.
[[nodiscard]] std::optional<std::string_view> target_problem(std::string_view target);

// The path part: everything before the first '?'.
[[nodiscard]] std::string_view target_path(std::string_view target);

}  // namespace gw::http
