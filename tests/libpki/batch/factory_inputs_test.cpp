// SPDX-License-Identifier: Apache-2.0
// What spreadsheets do to batch inputs (a byte order mark, ';' or tab delimiters, UTF-16),
// and the token file of `token --batch` read back as `enroll --batch --csr-dir` input.
#include <doctest/doctest.h>

#include "batch/csv.hpp"
#include "batch/manifest.hpp"
#include "core/error.hpp"

using pki::batch::parse_csv;

namespace {

// The message of the pki::Error that `f` throws, and its exit code.
template <typename F>
std::pair<std::string, pki::Exit> error_of(F f) {
  try {
    f();
  } catch (const pki::Error& e) {
    return {e.what(), e.code()};
  }
  FAIL("no error");
  return {};
}

}  // namespace

TEST_CASE("a UTF-8 byte order mark at the start is skipped, anywhere else it is data") {
  const auto r = parse_csv(
      "\xEF\xBB\xBFtoken,csr_path\nb,\xEF\xBB\xBF"
      "c\n",
      2);
  REQUIRE(r.size() == 2);
  CHECK(r[0].fields == std::vector<std::string>{"token", "csr_path"});
  CHECK(r[0].line == 1);
  CHECK(r[1].fields[1] ==
        "\xEF\xBB\xBF"
        "c");
  CHECK(pki::batch::strip_bom("\xEF\xBB\xBF") == "");
  CHECK(pki::batch::strip_bom("\xEF\xBB") == "\xEF\xBB");
}

TEST_CASE("a manifest and a token file with a byte order mark keep their header skipped") {
  const auto m = pki::batch::parse_manifest("\xEF\xBB\xBFtoken,csr_path\r\niotp_a,a.csr\r\n", "/b");
  REQUIRE(m.size() == 1);
  CHECK(m[0].csr_path == "/b/a.csr");
  const auto t = pki::batch::parse_token_file(
      "\xEF\xBB\xBF"
      "device_id,token,expires_at\r\ndev-1,iotp_x,2026-12-01T00:00:00Z\r\n");
  REQUIRE(t.size() == 1);
  CHECK(t[0].device_id == "dev-1");
  CHECK(t[0].token.view() == "iotp_x");
}

TEST_CASE("a file separated by semicolons is refused whole, naming ';' and ','") {
  const auto [msg, code] = error_of([] { (void)parse_csv("token;csr_path\na;b\n", 2); });
  CHECK(code == pki::Exit::data);
  CHECK(msg.find("line 1: fields separated by ';' (semicolon) where ',' (comma) is expected") !=
        std::string::npos);
}

TEST_CASE("a tab-separated token file is refused naming the tab") {
  const auto [msg, code] = error_of([] {
    (void)pki::batch::parse_token_file("device_id\ttoken\texpires_at\nd\tiotp_x\t2026\n");
  });
  CHECK(code == pki::Exit::data);
  CHECK(msg.find("fields separated by a tab where ',' (comma) is expected") != std::string::npos);
}

TEST_CASE("one semicolon row among comma rows is that row's error only") {
  const auto r = parse_csv("a,b\nc;d\ne,f\n", 2);
  REQUIRE(r.size() == 3);
  CHECK(r[0].error.empty());
  CHECK(r[1].error == "fields separated by ';' (semicolon) where ',' (comma) is expected");
  CHECK(r[2].error.empty());
  const auto rows = pki::batch::parse_manifest("t1,a.csr\nt2;b.csr\n", ".");
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].error ==
        "malformed CSV: fields separated by ';' (semicolon) where ',' (comma) is expected");
}

TEST_CASE("without an expected field count, semicolons and tabs are plain data") {
  const auto r = parse_csv("a;b\tc\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].error.empty());
  CHECK(r[0].fields == std::vector<std::string>{"a;b\tc"});
  // A semicolon inside a complete record is data too.
  CHECK(parse_csv("a;x,b\n", 2)[0].error.empty());
}

TEST_CASE("UTF-16 text is refused with a message saying so") {
  const auto [msg, code] = error_of([] { (void)parse_csv(std::string("\xFF\xFEt\0o\0", 6), 2); });
  CHECK(code == pki::Exit::data);
  CHECK(msg.find("UTF-16") != std::string::npos);
}

TEST_CASE("a token file gives each row's device id and token; bad rows carry their error") {
  const auto rows = pki::batch::parse_token_file(
      "device_id,token,expires_at\n# a comment\n\n d-1 ,iotp_a,2026-12-01T00:00:00Z\n"
      "d-2,iotp_b\n,iotp_c,x\nd-4,iotp_d,x,extra\n");
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].line == 4);
  CHECK(rows[0].device_id == "d-1");
  CHECK(rows[0].token.view() == "iotp_a");
  CHECK(rows[0].csr_path.empty());
  CHECK(rows[0].error.empty());
  CHECK(rows[1].error == "expected 3 fields (device_id,token,expires_at), found 2");
  CHECK(rows[2].error == "empty device_id");
  CHECK(rows[3].error == "expected 3 fields (device_id,token,expires_at), found 4");
}

TEST_CASE("a token file given as a manifest, or a manifest as a token file, is a usage error") {
  const auto [m, mc] = error_of(
      [] { (void)pki::batch::parse_manifest("device_id,token,expires_at\nd,iotp_a,x\n", "."); });
  CHECK(mc == pki::Exit::usage);
  CHECK(m.find("--csr-dir") != std::string::npos);
  const auto [t, tc] =
      error_of([] { (void)pki::batch::parse_token_file("token,csr_path\niotp_a,a.csr\n"); });
  CHECK(tc == pki::Exit::usage);
  CHECK(t.find("leave out --csr-dir") != std::string::npos);
}

TEST_CASE("a token file without rows is refused with exit 65") {
  const auto [msg, code] =
      error_of([] { (void)pki::batch::parse_token_file("device_id,token,expires_at\n"); });
  CHECK(code == pki::Exit::data);
}
