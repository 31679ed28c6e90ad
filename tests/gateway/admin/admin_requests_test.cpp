// SPDX-License-Identifier: Apache-2.0
// The admin endpoints' bodies (gateway/admin/requests), the code fuzz_admin runs.
#include <doctest/doctest.h>

#include <string>

#include "gateway/admin/requests.hpp"

namespace {

std::optional<gw::admin::RevokeRequest> revoke(const std::string& body) {
  std::string error;
  auto r = gw::admin::parse_revoke(body, &error);
  CHECK(r.has_value() == error.empty());
  return r;
}

std::optional<gw::admin::DenyJtiRequest> deny(const std::string& body) {
  std::string error;
  auto r = gw::admin::parse_deny_jti(body, &error);
  CHECK(r.has_value() == error.empty());
  return r;
}

}  // namespace

TEST_CASE("every spelling of a serial in /admin/revoke denies the same certificate") {
  for (const char* s : {"0a1b", "0A1B", "0x0A1B", "0a:1b", "000A1B", "A1B"}) {
    const auto r = revoke(std::string(R"({"serial":")") + s + R"(","reason":"keyCompromise"})");
    REQUIRE_MESSAGE(r.has_value(), s);
    CHECK(r->serial == "0A1B");
    CHECK(r->reason == "keyCompromise");
  }
  CHECK(revoke(R"({"serial":"0"})")->serial == "00");
  CHECK(revoke(R"({"serial":"01"})")->reason == "unspecified");
}

TEST_CASE("/admin/revoke refuses bodies that are not one serial and one short printable reason") {
  for (const char* body :
       {"", "[]", "null", "{}", R"({"serial":1})", R"({"serial":"xyz"})", R"({"serial":""})",
        R"({"serial":"0x"})", R"({"serial":"01","reason":5})", R"({"serial":"01","reason":""})",
        R"({"serial":"01","reason":"a\nb"})", R"({"serial":"01","reason":"\u00e9"})",
        "{\"serial\":\"01\"", R"({"serial":"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"})"}) {
    CHECK_MESSAGE(!revoke(body).has_value(), body);
  }
  CHECK_FALSE(revoke(R"({"serial":"01","reason":")" + std::string(65, 'a') + "\"}").has_value());
  CHECK(revoke(R"({"serial":"01","reason":")" + std::string(64, 'a') + "\"}").has_value());
}

TEST_CASE("/admin/deny-jti takes a short printable jti and a NumericDate within 1970..9999") {
  const auto ok = deny(R"({"jti":"abc","exp":1700000000})");
  REQUIRE(ok.has_value());
  CHECK(ok->jti == "abc");
  CHECK(ok->exp == 1700000000);
  for (const char* body :
       {"{}", R"({"jti":"abc"})", R"({"exp":1})", R"({"jti":"","exp":1})", R"({"jti":1,"exp":1})",
        R"({"jti":"a","exp":"1"})", R"({"jti":"a","exp":1.5})", R"({"jti":"a","exp":-1})",
        R"({"jti":"a","exp":253402300800})", R"({"jti":"a","exp":18446744073709551615})",
        R"({"jti":"a\u0000","exp":1})"}) {
    CHECK_MESSAGE(!deny(body).has_value(), body);
  }
  CHECK_FALSE(deny(R"({"jti":")" + std::string(129, 'j') + R"(","exp":1})").has_value());
}
