// SPDX-License-Identifier: Apache-2.0
// CSV parsing and writing for the batch manifest and report.
#include <doctest/doctest.h>

#include "batch/csv.hpp"
#include "batch/manifest.hpp"
#include "core/error.hpp"

using pki::batch::parse_csv;

TEST_CASE("plain records split on commas and on LF or CRLF line ends") {
  const auto r = parse_csv("a,b\r\nc,d\ne,f");
  REQUIRE(r.size() == 3);
  CHECK(r[0].fields == std::vector<std::string>{"a", "b"});
  CHECK(r[1].fields == std::vector<std::string>{"c", "d"});
  CHECK(r[2].fields == std::vector<std::string>{"e", "f"});
  CHECK(r[2].line == 3);
}

TEST_CASE("quoted fields keep commas, doubled quotes and newlines, and lines stay counted") {
  const auto r = parse_csv("\"a,1\",\"say \"\"hi\"\"\"\n\"two\nlines\",x\nlast,y\n");
  REQUIRE(r.size() == 3);
  CHECK(r[0].fields == std::vector<std::string>{"a,1", "say \"hi\""});
  CHECK(r[1].fields == std::vector<std::string>{"two\nlines", "x"});
  CHECK(r[2].line == 4);
}

TEST_CASE("a stray quote spoils only its own record") {
  const auto r = parse_csv("ok,1\nba\"d,2\nok,3\n");
  REQUIRE(r.size() == 3);
  CHECK(r[1].error == "a quote inside an unquoted field");
  CHECK(r[2].fields == std::vector<std::string>{"ok", "3"});
  CHECK(r[2].line == 3);
}

TEST_CASE("text after a closing quote is an error for that record") {
  const auto r = parse_csv("\"a\"b,c\nd,e\n");
  REQUIRE(r.size() == 2);
  CHECK_FALSE(r[0].error.empty());
  CHECK(r[1].fields == std::vector<std::string>{"d", "e"});
}

TEST_CASE("an unterminated quote ends parsing with an error record") {
  const auto r = parse_csv("a,b\n\"never closed,x\nmore\n");
  REQUIRE(r.size() == 2);
  CHECK(r[1].error == "a quoted field is never closed");
}

TEST_CASE("empty input has no records; an empty line is one empty field") {
  CHECK(parse_csv("").empty());
  const auto r = parse_csv("\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].fields == std::vector<std::string>{""});
}

TEST_CASE("written fields are quoted when needed and formulas are neutralised") {
  CHECK(pki::batch::csv_field("plain") == "plain");
  CHECK(pki::batch::csv_field("a,b") == "\"a,b\"");
  CHECK(pki::batch::csv_field("say \"x\"") == "\"say \"\"x\"\"\"");
  CHECK(pki::batch::csv_field("=cmd()") == "'=cmd()");
  CHECK(pki::batch::csv_field("-1") == "'-1");
  const std::string fields[] = {"1", "x,y", ""};
  CHECK(pki::batch::csv_line(fields) == "1,\"x,y\",\n");
}

TEST_CASE("a written report parses back to the same fields") {
  const pki::batch::ReportRow rows[] = {
      {2, "dev-1", "ok", "0A1B", "/out/dev-1.crt", ""},
      {3, "", "error", "", "", "csr/x.csr: not a certificate request, \"really\"\nsecond line"},
  };
  const auto parsed = parse_csv(pki::batch::report_csv(rows));
  REQUIRE(parsed.size() == 3);
  CHECK(parsed[0].fields.size() == 6);
  CHECK(parsed[2].fields[5] == rows[1].reason);
  CHECK(parsed[1].fields[4] == "/out/dev-1.crt");
}

TEST_CASE("a manifest skips its header, blank lines and comments, and resolves paths") {
  const auto rows = pki::batch::parse_manifest(
      "Token, CSR_Path\n# comment\n\niotp_a,csr/a.csr\niotp_b, /abs/b.csr \n", "/base");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].line == 4);
  CHECK(rows[0].token.view() == "iotp_a");
  CHECK(rows[0].csr_path == "/base/csr/a.csr");
  CHECK(rows[1].csr_path == "/abs/b.csr");
  CHECK(rows[0].error.empty());
}

TEST_CASE("a bad manifest row is reported and the others still parse") {
  const auto rows =
      pki::batch::parse_manifest("t1,a.csr\nonly-one-field\nt3,\nt4,d.csr,extra\nt5,e.csr\n", ".");
  REQUIRE(rows.size() == 5);
  CHECK(rows[1].error == "expected 2 fields (token,csr_path), found 1");
  CHECK(rows[2].error == "empty csr_path");
  CHECK(rows[3].error == "expected 2 fields (token,csr_path), found 3");
  CHECK(rows[4].error.empty());
  CHECK(rows[4].line == 5);
}

TEST_CASE("a manifest without any row is refused with exit 65") {
  try {
    (void)pki::batch::parse_manifest("token,csr_path\n\n# nothing\n", ".");
    FAIL("accepted");
  } catch (const pki::Error& e) {
    CHECK(e.code() == pki::Exit::data);
  }
}
