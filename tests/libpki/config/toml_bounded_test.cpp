// SPDX-License-Identifier: Apache-2.0
// The pre-scan that keeps toml++ from recursing off the stack (issue 9 item 12): it
// counts table-header and dotted-key parts and array / inline-table depth, outside
// comments and strings, and both loaders (iot-pki.toml, gateway.toml) go through it.
#include <doctest/doctest.h>

#include <string>

#include "config/settings.hpp"
#include "config/toml_bounded.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"

namespace {

using pki::config::check_toml_bounds;
using pki::config::kMaxTomlDepth;

std::string parts(std::size_t n, const std::string& sep = ".") {
  std::string s = "a";
  for (std::size_t i = 1; i < n; ++i) s += sep + "a";
  return s;
}

std::string nested(std::size_t n, const std::string& open, const std::string& close,
                   const std::string& inner) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += open;
  s += inner;
  for (std::size_t i = 0; i < n; ++i) s += close;
  return s;
}

// The line the problem names, or 0 when the text passes.
std::size_t refused_at(const std::string& text) {
  const auto p = check_toml_bounds(text);
  return p ? p->line : 0;
}

}  // namespace

TEST_CASE("a table header with more parts than the bound is refused, naming its line") {
  CHECK(refused_at("[" + parts(kMaxTomlDepth) + "]\n") == 0);
  CHECK(refused_at("x = 1\n\n[" + parts(kMaxTomlDepth + 1) + "]\n") == 3);
  CHECK(refused_at("[[" + parts(kMaxTomlDepth + 1) + "]]\n") == 1);
  CHECK(refused_at("[ " + parts(kMaxTomlDepth + 1, " . ") + " ]\n") == 1);
  const auto p = check_toml_bounds("[" + parts(100000) + "]\n");
  REQUIRE(p);
  CHECK(p->message.find("dotted parts") != std::string::npos);
}

TEST_CASE("a dotted key with more parts than the bound is refused, at top level or inline") {
  CHECK(refused_at(parts(kMaxTomlDepth) + " = 1\n") == 0);
  CHECK(refused_at("[t]\n" + parts(kMaxTomlDepth + 1) + " = 1\n") == 2);
  CHECK(refused_at("t = { " + parts(kMaxTomlDepth + 1) + " = 1 }\n") == 1);
  CHECK(refused_at("t = { x = 1, " + parts(kMaxTomlDepth + 1) + " = 1 }\n") == 1);
}

TEST_CASE("arrays and inline tables nested deeper than the bound are refused") {
  CHECK(refused_at("a = " + nested(kMaxTomlDepth, "[", "]", "1") + "\n") == 0);
  CHECK(refused_at("a = " + nested(kMaxTomlDepth + 1, "[", "]", "1") + "\n") == 1);
  CHECK(refused_at("a = " + nested(kMaxTomlDepth + 1, "{b=", "}", "1") + "\n") == 1);
  CHECK(refused_at("a = " + nested(kMaxTomlDepth / 2 + 1, "[{b=", "}]", "1") + "\n") == 1);
  // An array spread over lines keeps its depth across the newlines.
  CHECK(refused_at("a = [\n" + nested(kMaxTomlDepth, "[\n", "]\n", "1") + "]\n") > 1);
  CHECK(refused_at("a = " + nested(200000, "[", "]", "")) == 1);
}

TEST_CASE("brackets, braces and dots inside strings and comments do not count") {
  const std::string deep = nested(kMaxTomlDepth + 5, "[", "]", "") + parts(100);
  for (const std::string& text :
       {"a = \"" + deep + "\"\n", "a = '" + deep + "'\n", "a = \"\"\"\n" + deep + "\n\"\"\"\n",
        "a = '''\n" + deep + "\n'''\n", "# " + deep + "\n", "a = 1 # " + deep + "\n",
        "\"" + parts(100) + "\" = 1\n", "['" + parts(100) + "']\n",
        "a = \"esc \\\" " + deep + "\"\n", "a = \"\"\"x\\\"\"\" " + deep + "\"\"\"\n",
        "a = { \"" + parts(100) + "\" = 1 }\n",
        std::string("a = 1.5\nb = 1979-05-27T07:32:00.999Z\n"),
        std::string("a = {}\nb = [{}, {}]\n")}) {
    CAPTURE(text);
    CHECK(refused_at(text) == 0);
  }
}

TEST_CASE("a string does not hide what follows it") {
  CHECK(refused_at("a = \"x\"\n[" + parts(kMaxTomlDepth + 1) + "]\n") == 2);
  CHECK(refused_at("a = '''\n[\n'''\n[" + parts(kMaxTomlDepth + 1) + "]\n") == 4);
  CHECK(refused_at("a = [\"]\", " + nested(kMaxTomlDepth, "[", "]", "1") + "]\n") == 1);
}

TEST_CASE("parse_toml refuses oversized text and reports syntax errors without throwing") {
  const std::string big(pki::fs::kConfigLimit.bytes + 1, '#');
  const auto too_big = pki::config::parse_toml(big, "big.toml");
  REQUIRE(too_big.problem);
  CHECK(too_big.problem->message.find("at most") != std::string::npos);
  const auto broken = pki::config::parse_toml("a = \n", "b.toml");
  REQUIRE(broken.problem);
  CHECK(broken.problem->line == 1);
  const auto fine = pki::config::parse_toml("[t]\na.b = [1, {c = 2}]\n", "c.toml");
  CHECK_FALSE(fine.problem);
  CHECK(fine.table["t"]["a"]["b"][1]["c"].value<int>() == 2);
}

TEST_CASE("iot-pki.toml with a 100,000-part header is a configuration error, not a crash") {
  try {
    (void)pki::config::parse_settings("[" + parts(100000) + "]\n", "iot-pki.toml");
    FAIL("accepted");
  } catch (const pki::Error& e) {
    CHECK(e.code() == pki::Exit::config);
    CHECK(std::string(e.what()).rfind("iot-pki.toml:1:", 0) == 0);
  }
}

TEST_CASE("a text that ends in blanks after a newline is scanned to its end, not past it") {
  // Found by fuzz_settings (corpus/settings/regress_trailing_blanks_*): the scan read
  // one byte past a buffer that ends in blanks after a newline. Here the byte after
  // the view is a '[' that must never be seen.
  const std::string buffer = "a = 1\n   [";
  const std::string_view text(buffer.data(), buffer.size() - 1);
  CHECK_FALSE(check_toml_bounds(text));
  CHECK_FALSE(check_toml_bounds("\n \t"));
  CHECK_FALSE(check_toml_bounds(" "));
}
