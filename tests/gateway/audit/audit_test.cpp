// SPDX-License-Identifier: Apache-2.0
// The audit log's line format and hash chain.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "fsutil/files.hpp"
#include "gateway/audit/audit_log.hpp"
#include "gateway/audit/verify.hpp"
#include "gateway/metrics/metrics.hpp"
#include "pki_fixture.hpp"

namespace {

namespace fs = std::filesystem;

struct TempDir : test::ScratchDir {
  TempDir() : test::ScratchDir("gw-audit") {}
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

// --- Torn tails (issue 9 item 10) and failed writes (issue 10 item 5) ---
// Fails before the fix: a restart glued the next record onto the fragment and, with no
// parsable last line, restarted seq at 1.

namespace {

std::string file_text(const fs::path& p) {
  return pki::fs::read_file(p, pki::fs::kLogLimit);
}

void write_records(const fs::path& file, int n) {
  gw::audit::AuditLog log(file, 64);
  for (int i = 0; i < n; ++i) CHECK(log.log(rec("JWT_OK")));
}

void truncate_to(const fs::path& file, std::uintmax_t size) {
  fs::resize_file(file, size);
}

void append_raw(const fs::path& file, const std::string& bytes) {
  std::string text = file_text(file) + bytes;
  pki::fs::write_file_atomic(file, text, 0640);
}

std::size_t count_of(const std::vector<std::string>& lines, const std::string& event) {
  std::size_t n = 0;
  for (const auto& l : lines) n += l.find("\"event\":\"" + event + "\"") != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("a torn last line is kept as evidence, repaired once, and the chain continues") {
  const TempDir dir;
  const fs::path file = dir.path / "audit.log";
  write_records(file, 3);
  const auto whole = lines_of(file);
  // Cut line 3 in the middle, as a crash during write(2) would.
  truncate_to(file, whole[0].size() + 1 + whole[1].size() + 1 + whole[2].size() / 2);
  std::uint64_t repaired_events = 0;
  {
    gw::audit::AuditLog log(file, 16);
    log.set_observer(
        [&](std::string_view e) { repaired_events += e == gw::audit::event::kAuditTailRepaired; });
    CHECK(log.log(rec("TOKEN_ISSUED")));
  }
  CHECK(repaired_events == 1);
  write_records(file, 1);  // a second restart on a now whole file repairs nothing
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 6);
  CHECK(lines[2] == whole[2].substr(0, whole[2].size() / 2));  // the fragment, on its own line
  const auto repair = nlohmann::json::parse(lines[3]);
  CHECK(repair["event"] == "AUDIT_TAIL_REPAIRED");
  CHECK(repair["seq"] == 3);
  CHECK(repair["prev"] == pki::sha256_hex(lines[1]));
  CHECK(repair["remote_ip"] == "");
  CHECK(repair["reason"].get<std::string>().find("no final newline") != std::string::npos);
  CHECK(nlohmann::json::parse(lines[4])["seq"] == 4);
  CHECK(nlohmann::json::parse(lines[4])["prev"] == pki::sha256_hex(lines[3]));
  CHECK(nlohmann::json::parse(lines[5])["seq"] == 5);
  CHECK(count_of(lines, "AUDIT_TAIL_REPAIRED") == 1);
  const auto v = gw::audit::verify(file_text(file));
  CHECK(v.ok);
  CHECK(v.lines == 5);
  CHECK(v.repaired == std::vector<std::uint64_t>{3});
}

TEST_CASE("a last line that is not a record, or does not chain, is repaired the same way") {
  const TempDir dir;
  const fs::path file = dir.path / "audit.log";
  write_records(file, 2);
  SUBCASE("garbage with a newline") {
    append_raw(file, "{\"ts\":\"2026-\n");
  }
  SUBCASE("a record whose prev is wrong") {
    append_raw(file, gw::audit::render(rec("JWT_OK"), 0, 3, std::string(64, 'f')) + "\n");
  }
  SUBCASE("a record whose seq is wrong") {
    const auto lines = lines_of(file);
    append_raw(file, gw::audit::render(rec("JWT_OK"), 0, 9, pki::sha256_hex(lines[1])) + "\n");
  }
  write_records(file, 1);
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 5);
  CHECK(nlohmann::json::parse(lines[3])["event"] == "AUDIT_TAIL_REPAIRED");
  CHECK(nlohmann::json::parse(lines[3])["seq"] == 3);
  CHECK(nlohmann::json::parse(lines[4])["seq"] == 4);
  const auto v = gw::audit::verify(file_text(file));
  CHECK(v.ok);
  CHECK(v.repaired == std::vector<std::uint64_t>{3});
}

TEST_CASE("a log that is only a fragment restarts at seq 1 after its repair record") {
  const TempDir dir;
  const fs::path file = dir.path / "audit.log";
  pki::fs::write_file_atomic(file, "{\"ts\":\"2026-12-01T00:", 0640);
  write_records(file, 1);
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 3);
  CHECK(nlohmann::json::parse(lines[1])["seq"] == 1);
  CHECK(nlohmann::json::parse(lines[2])["seq"] == 2);
  CHECK(gw::audit::verify(file_text(file)).ok);
}

TEST_CASE("only the last chunk of the log is read at start") {
  const TempDir dir;
  const fs::path file = dir.path / "audit.log";
  write_records(file, 2);
  // 2 MiB without a newline: no whole record in the last 1 MiB; the tail reader gives
  // up there instead of reading the file, and says so in the repair record.
  append_raw(file, std::string(2 << 20, 'x'));
  write_records(file, 1);
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 5);
  const auto repair = nlohmann::json::parse(lines[3]);
  CHECK(repair["event"] == "AUDIT_TAIL_REPAIRED");
  CHECK(repair["reason"].get<std::string>().find("no whole record") != std::string::npos);
  CHECK(repair["seq"] == 1);
  CHECK_FALSE(gw::audit::verify(file_text(file)).ok);  // a restarted chain is not hidden
}

TEST_CASE("verify still fails on a fragment that no repair record follows") {
  std::string content;
  std::string prev(64, '0');
  for (int i = 1; i <= 3; ++i) {
    const std::string line = gw::audit::render(rec("JWT_OK"), 0, i, prev);
    prev = pki::sha256_hex(line);
    content += line + "\n";
    if (i == 2) content += "{\"ts\":\"torn\n";
  }
  const auto v = gw::audit::verify(content);
  CHECK_FALSE(v.ok);
  CHECK(v.bad_line == 3);
  // A repair record that does not continue the line before the fragment is no excuse.
  gw::audit::Record r = rec(gw::audit::event::kAuditTailRepaired, "");
  std::string forged = content.substr(0, content.find("{\"ts\":\"torn"));
  forged += "{\"ts\":\"torn\n" + gw::audit::render(r, 0, 7, std::string(64, '0')) + "\n";
  CHECK_FALSE(gw::audit::verify(forged).ok);
}

TEST_CASE("a failed write is counted, does not advance the chain, and is repaired next time") {
  const TempDir dir;
  const fs::path file = dir.path / "audit.log";
  write_records(file, 2);
  const auto size = fs::file_size(file);
  ::signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead of killing the process
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  {
    gw::audit::AuditLog log(file, 64);
    rlimit small = old;
    small.rlim_cur = size + 100;  // room for part of one more line: a partial write
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    for (int i = 0; i < 3; ++i) CHECK(log.log(rec("JWT_MISSING")));
    log.flush();
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &old) == 0);
    CHECK(log.write_failures() >= 1);
    const auto failed = log.write_failures();
    CHECK(log.log(rec("JWT_OK")));
    log.flush();
    CHECK(log.write_failures() == failed);
  }
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &old) == 0);
  const auto lines = lines_of(file);
  CHECK(count_of(lines, "AUDIT_TAIL_REPAIRED") == 1);
  const auto v = gw::audit::verify(file_text(file));
  CHECK(v.ok);
  CHECK(v.problem == "");
  CHECK(nlohmann::json::parse(lines.back())["event"] == "JWT_OK");
}

TEST_CASE("AUDIT_TAIL_REPAIRED is a metrics label, not OTHER") {
  gw::metrics::Metrics m;
  m.count_event(gw::audit::event::kAuditTailRepaired);
  const std::string text = m.render({});
  CHECK(text.find("event=\"AUDIT_TAIL_REPAIRED\"} 1") != std::string::npos);
  CHECK(text.find("iot_gateway_audit_write_failures_total") != std::string::npos);
}
