// The audit log's line format and hash chain.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "fsutil/files.hpp"
#include "gateway/audit/audit_log.hpp"
#include "gateway/audit/verify.hpp"

namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "gw-audit-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

gw::audit::Record rec(const char* event, std::string ip = "127.0.0.1") {
  gw::audit::Record r;
  r.event = event;
  r.remote_ip = std::move(ip);
  return r;
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::vector<std::string> out;
  const std::string text = pki::fs::read_file(p, pki::fs::kLogLimit);
  for (std::size_t pos = 0; pos < text.size();) {
    const auto nl = text.find('\n', pos);
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("a record renders with ts, seq, prev, event, outcome, remote_ip first") {
  gw::audit::Record r = rec("TOKEN_ISSUED");
  r.success = true;
  r.device_id = "dev-1";
  r.reason = "x";
  const std::string line = gw::audit::render(r, 1'700'000'000'123, 7, std::string(64, 'a'));
  CHECK(line ==
        "{\"ts\":\"2023-11-14T22:13:20.123Z\",\"seq\":7,\"prev\":\"" + std::string(64, 'a') +
            "\",\"event\":\"TOKEN_ISSUED\",\"outcome\":\"success\",\"remote_ip\":\"127.0.0.1\","
            "\"device_id\":\"dev-1\",\"reason\":\"x\"}");
}

TEST_CASE("client-controlled strings cannot break the line (log injection)") {
  gw::audit::Record r = rec("JWT_BAD_CLAIMS");
  r.device_id = std::string("evil\n{\"event\":\"TOKEN_ISSUED\"}\x01\xff", 31);
  const std::string line = gw::audit::render(r, 0, 1, std::string(64, '0'));
  CHECK(line.find('\n') == std::string::npos);
  CHECK(nlohmann::json::parse(line)["event"] == "JWT_BAD_CLAIMS");
}

TEST_CASE("the writer chains records and a restart continues the chain") {
  const TempDir dir;
  const fs::path file = dir.path / "audit.log";
  {
    gw::audit::AuditLog log(file, 16);
    CHECK(log.log(rec("AUTH_NO_CERT")));
    CHECK(log.log(rec("TOKEN_ISSUED")));
    log.flush();
    CHECK(log.written() == 2);
  }
  {
    gw::audit::AuditLog log(file, 16);
    CHECK(log.log(rec("JWT_OK")));
  }
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 3);
  CHECK(nlohmann::json::parse(lines[0])["prev"] == std::string(64, '0'));
  CHECK(nlohmann::json::parse(lines[2])["seq"] == 3);
  CHECK(nlohmann::json::parse(lines[2])["prev"] == pki::sha256_hex(lines[1]));
  const auto v = gw::audit::verify(pki::fs::read_file(file, pki::fs::kLogLimit));
  CHECK(v.ok);
  CHECK(v.lines == 3);
}

TEST_CASE("a full queue drops and counts instead of blocking") {
  const TempDir dir;
  gw::audit::AuditLog log(dir.path / "audit.log", 16);
  int accepted = 0;
  for (int i = 0; i < 100000; ++i) accepted += log.log(rec("JWT_MISSING")) ? 1 : 0;
  log.flush();
  CHECK(log.dropped() + static_cast<std::uint64_t>(accepted) == 100000);
  CHECK(log.written() == static_cast<std::uint64_t>(accepted));
}

TEST_CASE("verify names the line whose content changed") {
  std::string content;
  std::string prev(64, '0');
  for (int i = 1; i <= 5; ++i) {
    const std::string line = gw::audit::render(rec("JWT_OK"), 0, i, prev);
    prev = pki::sha256_hex(line);
    content += line + "\n";
  }
  CHECK(gw::audit::verify(content).ok);
  SUBCASE("a changed byte in line 3") {
    const auto pos = content.find("127.0.0.1", content.find("\"seq\":3"));
    content[pos + 8] = '2';
    const auto v = gw::audit::verify(content);
    CHECK_FALSE(v.ok);
    CHECK(v.bad_line == 3);
  }
  SUBCASE("a deleted line") {
    const auto start = content.find("{\"ts\"", content.find("\"seq\":2"));
    const auto end = content.find('\n', start);
    content.erase(start, end - start + 1);
    CHECK(gw::audit::verify(content).bad_line == 3);  // seq 4 now follows seq 2
  }
  SUBCASE("a truncated last line") {
    content.pop_back();
    CHECK(gw::audit::verify(content).bad_line == 5);
  }
  SUBCASE("garbage") {
    CHECK(gw::audit::verify("not json\n").bad_line == 1);
  }
}
