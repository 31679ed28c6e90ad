// SPDX-License-Identifier: Apache-2.0
// Request-target rules (gateway/http/target.hpp, issue 9 item 3): every spelling of a
// dot segment, an encoded slash or backslash, a control byte, bad or double
// percent-encoding and bad UTF-8 is refused, on any route; ordinary targets pass.
#include <doctest/doctest.h>

#include <string>

#include "gateway/http/target.hpp"

using gw::http::target_problem;

TEST_CASE("ordinary origin-form targets are accepted") {
  for (const char* t :
       {"/", "/healthz", "/api/x", "/api/x/", "/api/x?y=1&z=%2e%2e/../", "/api/a.b/c..d/.e",
        "/api/%41%42", "/api/caf%C3%A9", "/api/%E2%82%AC", "/api/%F0%9F%98%80", "/api/x;v=1",
        "/api/a~b_c-d!$&'()*+,=:@", "/api/%3f%23", "/api//double", "/api/%25zz", "/api/x?"}) {
    CHECK_MESSAGE(!target_problem(t), std::string(t));
  }
}

TEST_CASE("dot segments are refused raw, percent-encoded in any case, and with parameters") {
  for (const char* t : {"/api/../admin",
                        "/api/./x",
                        "/api/x/.",
                        "/api/x/..",
                        "/..",
                        "/.",
                        "/api/%2e%2e/admin",
                        "/api/%2E%2E/admin",
                        "/api/.%2E/x",
                        "/api/%2e./x",
                        "/api/%2e/x",
                        "/api/x/%2e%2e",
                        "/admin/%2e%2e/api/x",
                        "/healthz/%2e%2e",
                        "/api/..;/admin",
                        "/api/.;x=1/a",
                        "/api/%2e%2e;jsessionid=1/a",
                        "/api/..%3b/admin",
                        "/api/.../x",
                        "/api/..%20/x",
                        "/api/%20../x",
                        "/api/.%20./x"}) {
    CHECK_MESSAGE(target_problem(t) == std::optional<std::string_view>("dot segment in the path"),
                  std::string(t));
  }
}

TEST_CASE("encoded slashes, backslashes and control bytes are refused") {
  for (const char* t : {"/api/a%2fb", "/api/a%2Fb", "/api/..%2fadmin", "/api/%2f%2e%2e"}) {
    CHECK_MESSAGE(target_problem(t) == std::optional<std::string_view>("encoded slash in the path"),
                  std::string(t));
  }
  for (const char* t : {"/api/a%5cb", "/api/a%5C..%5Cadmin"}) {
    CHECK_MESSAGE(target_problem(t).has_value(), std::string(t));
  }
  CHECK(target_problem("/api/a\\b").has_value());
  CHECK(target_problem("/api/..\\admin").has_value());
  for (const char* t :
       {"/api/a%00b", "/api/a%00", "/api/%0d%0aX:1", "/api/%09", "/api/%7f", "/api/%1F"}) {
    CHECK_MESSAGE(target_problem(t).has_value(), std::string(t));
  }
  CHECK(target_problem(std::string("/api/a\0b", 8)).has_value());
  CHECK(target_problem("/api/a\tb").has_value());
  CHECK(target_problem("/api/a b").has_value());
}

TEST_CASE("invalid and double percent-encoding are refused") {
  for (const char* t :
       {"/api/%zz", "/api/%4", "/api/%", "/api/a%g0", "/api/%u002e%u002e", "/api/%%32%65"}) {
    CHECK_MESSAGE(target_problem(t) == std::optional<std::string_view>("invalid percent-encoding"),
                  std::string(t));
  }
  for (const char* t :
       {"/api/%252e%252e/admin", "/api/%252f", "/api/%25%32%65", "/api/%255c", "/api/%2500"}) {
    CHECK_MESSAGE(target_problem(t) == std::optional<std::string_view>("double percent-encoding"),
                  std::string(t));
  }
}

TEST_CASE("overlong, truncated and look-alike UTF-8 is refused") {
  for (const char* t :
       {"/api/%c0%ae%c0%ae/admin", "/api/%c0%af", "/api/%e0%80%ae", "/api/%f0%80%80%ae", "/api/%c3",
        "/api/%80", "/api/%ed%a0%80", "/api/%f4%90%80%80", "/api/%ff",
        "/api/%ef%bc%8e%ef%bc%8e/admin", "/api/a%ef%bc%8fb", "/api/%ef%bc%bc", "/api/%e2%88%95"}) {
    CHECK_MESSAGE(target_problem(t).has_value(), std::string(t));
  }
  CHECK(target_problem("/api/caf\xc3\xa9").has_value());  // raw non-ASCII byte
}

TEST_CASE("targets that are not origin-form are refused") {
  for (const char* t : {"", "*", "http://h/api/x", "https://h/api/../admin", "h:443", "api/x",
                        "//evil/api", "/api/x#frag", "/api/x?a#b", "/api/x?a b", "/api/x?\x7f",
                        "/api/<x>", "/api/{x}", "/api/x|y", "/api/x^", "/api/`x`", "/api/\"x\""}) {
    if (std::string_view(t) == "//evil/api") continue;  // a path: routed as /evil... → 404
    CHECK_MESSAGE(target_problem(t).has_value(), std::string(t));
  }
}

TEST_CASE("the query is split at the first '?' and never judged as the path") {
  CHECK(gw::http::target_path("/api/x?a=/../b?c") == "/api/x");
  CHECK(!target_problem("/api/x?a=/../b?c=%2f"));
  CHECK(target_problem("/api/%2e%2e?x=1").has_value());
  CHECK(target_problem("/api/%3f/../x").has_value());
}
