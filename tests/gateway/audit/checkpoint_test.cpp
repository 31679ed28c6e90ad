// SPDX-License-Identifier: Apache-2.0
// Signed audit checkpoints: what the writer emits, what audit verify accepts and what
// it refuses (negative cases of the line reader's checkpoint fields).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/audit/audit_log.hpp"
#include "gateway/audit/checkpoint.hpp"
#include "gateway/audit/syslog.hpp"
#include "gateway/audit/verify.hpp"
#include "pki_fixture.hpp"

using gw::audit::Event;
namespace fs = std::filesystem;

namespace {

struct Fixture : test::ScratchDir {
  Fixture() : test::ScratchDir("gw-ckpt") {
    (void)gw::audit::create_checkpoint_key(path / "ck.key");
    key = gw::audit::CheckpointKey::load(path / "ck.key");
    verifier = gw::audit::CheckpointVerifier::load(path / "ck.key.pub");
  }
  std::shared_ptr<const gw::audit::CheckpointKey> key;
  std::optional<gw::audit::CheckpointVerifier> verifier;
  gw::audit::Options options(std::uint64_t every = 3) const {
    gw::audit::Options o;
    o.queue_size = 1024;
    o.checkpoint_key = key;
    o.checkpoint_every = every;
    o.checkpoint_interval = std::chrono::milliseconds(60'000);
    return o;
  }
  gw::audit::VerifyOptions vopt(bool stopped = true) const {
    gw::audit::VerifyOptions v;
    v.key = &*verifier;
    v.stopped = stopped;
    v.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    return v;
  }
  std::string text() const { return pki::fs::read_file(path / "audit.log", pki::fs::kLogLimit); }
};

gw::audit::Record rec(Event e) {
  gw::audit::Record r;
  r.event = e;
  r.remote_ip = "127.0.0.1";
  return r;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto nl = text.find('\n', pos);
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& lines, std::size_t from = 0,
                 std::size_t to = SIZE_MAX) {
  std::string out;
  for (std::size_t i = from; i < std::min(to, lines.size()); ++i) out += lines[i] + "\n";
  return out;
}

void write_run(const Fixture& f, int records, std::uint64_t every = 3) {
  gw::audit::AuditLog log(f.path / "audit.log", f.options(every));
  for (int i = 0; i < records; ++i) CHECK(log.log(rec(Event::token_issued)));
  log.flush();
}

}  // namespace

TEST_CASE("a checkpoint verifier refuses what is not an Ed25519 public key") {
  CHECK_THROWS_AS((void)gw::audit::CheckpointVerifier::from_pem("", "x"), pki::Error);
  const std::string p256 =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
      "q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
      "-----END PUBLIC KEY-----\n";
  CHECK_THROWS_AS((void)gw::audit::CheckpointVerifier::from_pem(p256, "x"), pki::Error);
}

TEST_CASE("the signed bytes are the documented text") {
  CHECK(gw::audit::signed_bytes("periodic", 7, std::string(64, 'a'), "2026-12-01T00:00:00.000Z",
                                60000, "k") ==
        "iot-gateway audit checkpoint v1\nkind:periodic\nseq:7\nprev:" + std::string(64, 'a') +
            "\nts:2026-12-01T00:00:00.000Z\ninterval_ms:60000\nkid:k\n");
}

TEST_CASE("a run starts with an open checkpoint, signs every N records and ends with shutdown") {
  const Fixture f;
  write_run(f, 7);
  const auto lines = split(f.text());
  REQUIRE(lines.size() == 1 + 7 + 2 + 1);  // open, 7 records, 2 periodic, shutdown
  const auto first = nlohmann::json::parse(lines.front());
  CHECK(first["event"] == "AUDIT_CHECKPOINT");
  CHECK(first["checkpoint"] == "open");
  CHECK(first["seq"] == 1);
  CHECK(first["kid"] == f.key->kid());
  CHECK(nlohmann::json::parse(lines[4])["checkpoint"] == "periodic");
  CHECK(nlohmann::json::parse(lines.back())["checkpoint"] == "shutdown");
  const auto r = gw::audit::verify(f.text(), f.vopt());
  CHECK_MESSAGE(r.ok, r.problem);
  CHECK(r.checkpoints == 4);
  CHECK(r.ends_with_shutdown);
  CHECK(r.head == "genesis");
  REQUIRE(r.last_checkpoint);
  CHECK(r.last_checkpoint->seq == 11);
  CHECK(r.last_checkpoint->kind == "shutdown");
}

TEST_CASE("a restart writes a start checkpoint and verify names a run that ended uncleanly") {
  const Fixture f;
  write_run(f, 2);
  // The shutdown checkpoint lost (a crash before it): the restart continues the chain.
  auto lines = split(f.text());
  lines.pop_back();
  pki::fs::write_file_atomic(f.path / "audit.log", join(lines), 0640);
  write_run(f, 1);
  const auto all = split(f.text());
  CHECK(nlohmann::json::parse(all[lines.size()])["checkpoint"] == "start");
  const auto r = gw::audit::verify(f.text(), f.vopt());
  CHECK_MESSAGE(r.ok, r.problem);
  REQUIRE(r.unclean_stops.size() == 1);
  CHECK(r.unclean_stops[0] == lines.size() + 1);
}

TEST_CASE("after logrotate the new file starts with an open checkpoint chained to the old one") {
  const Fixture f;
  {
    gw::audit::AuditLog log(f.path / "audit.log", f.options(100));
    CHECK(log.log(rec(Event::jwt_ok)));
    log.flush();
    fs::rename(f.path / "audit.log", f.path / "audit.log.1");
    log.reopen();
    CHECK(log.log(rec(Event::jwt_ok)));
    log.flush();
  }
  const std::string old = pki::fs::read_file(f.path / "audit.log.1", pki::fs::kLogLimit);
  const auto old_lines = split(old);
  const auto first = nlohmann::json::parse(split(f.text()).front());
  CHECK(first["checkpoint"] == "open");
  CHECK(first["prev"] == pki::sha256_hex(old_lines.back()));
  const auto alone = gw::audit::verify(f.text(), f.vopt());
  CHECK_MESSAGE(alone.ok, alone.problem);
  CHECK(alone.head == "open checkpoint");
  const auto both = gw::audit::verify(old + f.text(), f.vopt());
  CHECK_MESSAGE(both.ok, both.problem);
}

TEST_CASE("verify with the key refuses a cut head, a cut tail, a recomputed chain") {
  const Fixture f;
  write_run(f, 8);
  const auto lines = split(f.text());
  SUBCASE("head cut at a record") {
    const auto r = gw::audit::verify(join(lines, 2), f.vopt());
    CHECK_FALSE(r.ok);
    CHECK(r.bad_line == 1);
    CHECK(r.problem.find("lines before it were removed") != std::string::npos);
    CHECK(gw::audit::verify(join(lines, 2)).ok);  // without the key: the bare chain holds
  }
  SUBCASE("head cut exactly at a periodic checkpoint") {
    const auto r = gw::audit::verify(join(lines, 4), f.vopt());
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("lines before it were removed") != std::string::npos);
  }
  SUBCASE("tail cut after a periodic checkpoint, the gateway stopped") {
    const auto r = gw::audit::verify(join(lines, 0, 5), f.vopt(true));
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("does not end with the gateway's shutdown checkpoint") !=
          std::string::npos);
    CHECK(r.problem.find("the last checkpoint is line 5") != std::string::npos);
  }
  SUBCASE("tail cut, not --stopped: fine while the next checkpoint is not due, then refused") {
    auto v = f.vopt(false);
    CHECK(gw::audit::verify(join(lines, 0, 6), v).ok);
    v.now_ms += 2 * 60'000 + 5'001;
    const auto r = gw::audit::verify(join(lines, 0, 6), v);
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("records after it were cut") != std::string::npos);
    CHECK(r.problem.find("1 record(s) after it are unsigned") != std::string::npos);
  }
  SUBCASE("a line edited and every later hash recomputed") {
    std::vector<std::string> t = lines;
    auto j = nlohmann::ordered_json::parse(t[2]);
    j["device_id"] = "someone-else";
    t[2] = j.dump();
    for (std::size_t i = 3; i < t.size(); ++i) {
      auto o = nlohmann::ordered_json::parse(t[i]);
      o["prev"] = pki::sha256_hex(t[i - 1]);
      t[i] = o.dump();
    }
    CHECK(gw::audit::verify(join(t)).ok);
    const auto r = gw::audit::verify(join(t), f.vopt());
    CHECK_FALSE(r.ok);
    CHECK(r.bad_line == 5);
    CHECK(r.problem.find("signature does not verify") != std::string::npos);
  }
}

TEST_CASE("verify refuses checkpoint records with missing or altered fields") {
  const Fixture f;
  write_run(f, 1);
  const auto lines = split(f.text());
  const auto with_last = [&](const std::function<void(nlohmann::ordered_json&)>& change) {
    std::vector<std::string> t = lines;
    auto o = nlohmann::ordered_json::parse(t.back());
    change(o);
    t.back() = o.dump();
    return gw::audit::verify(join(t), f.vopt());
  };
  CHECK(with_last([](auto&) {}).ok);
  CHECK_FALSE(with_last([](auto& o) { o["checkpoint"] = "periodic"; }).ok);  // kind is signed
  CHECK_FALSE(with_last([](auto& o) { o["checkpoint"] = "weekly"; }).ok);
  CHECK_FALSE(with_last([](auto& o) { o.erase("sig"); }).ok);
  CHECK_FALSE(with_last([](auto& o) { o.erase("interval_ms"); }).ok);
  CHECK_FALSE(with_last([](auto& o) { o["interval_ms"] = -1; }).ok);
  CHECK_FALSE(with_last([](auto& o) { o["interval_ms"] = 1; }).ok);
  CHECK_FALSE(with_last([](auto& o) { o["ts"] = "2026-12-01 00:00:00"; }).ok);
  CHECK_FALSE(with_last([](auto& o) { o["kid"] = std::string(64, 'f'); }).ok);
  CHECK_FALSE(with_last([](auto& o) {
                std::string s = o["sig"];
                s[0] = s[0] == 'A' ? 'B' : 'A';
                o["sig"] = s;
              }).ok);
  CHECK_FALSE(with_last([](auto& o) {  // the same bytes spelled without padding
                std::string s = o["sig"];
                o["sig"] = s.substr(0, 86);
              })
                  .ok);
  CHECK_FALSE(with_last([](auto& o) { o["sig"] = 5; }).ok);
  // A log with no checkpoint at all, checked with a key.
  const auto none = gw::audit::verify(join(lines, 1, 2), f.vopt());
  CHECK_FALSE(none.ok);
}

TEST_CASE("a key that is not the gateway's fails every checkpoint, naming both kids") {
  const Fixture f;
  write_run(f, 1);
  const Fixture other;
  auto v = other.vopt();
  const auto r = gw::audit::verify(f.text(), v);
  CHECK_FALSE(r.ok);
  CHECK(r.problem.find("not by the given key " + other.verifier->kid()) != std::string::npos);
}

TEST_CASE("the checkpoint key file must be private and Ed25519") {
  const Fixture f;
  ::chmod((f.path / "ck.key").c_str(), 0640);
  CHECK_THROWS_AS((void)gw::audit::CheckpointKey::load(f.path / "ck.key"), pki::Error);
  CHECK_THROWS_AS((void)gw::audit::create_checkpoint_key(f.path / "ck.key"), pki::Error);
}

TEST_CASE("ts is read only in the writer's exact form") {
  CHECK(gw::audit::parse_ts("1970-01-01T00:00:01.234Z") == 1234);
  CHECK(gw::audit::parse_ts("2026-12-01T18:00:00.000Z").has_value());
  for (const char* bad :
       {"", "2026-12-01T18:00:00Z", "2026-12-01T18:00:00.000+01:00", "2026-13-01T18:00:00.000Z",
        "2026-12-01T24:00:00.000Z", "2026-12-01t18:00:00.000Z", "2026-12-01T18:00:00.00aZ"}) {
    CHECK_FALSE(gw::audit::parse_ts(bad).has_value());
  }
}

TEST_CASE("syslog URLs: tcp:// and tls:// with host and port, nothing else") {
  gw::audit::SyslogTarget t;
  CHECK(gw::audit::parse_syslog_url("tcp://127.0.0.1:514", t).empty());
  CHECK((!t.tls && t.host == "127.0.0.1" && t.port == "514"));
  CHECK(gw::audit::parse_syslog_url("tls://logs.example.net:6514", t).empty());
  CHECK((t.tls && t.host == "logs.example.net" && t.port == "6514"));
  CHECK(gw::audit::parse_syslog_url("tcp://[::1]:514", t).empty());
  CHECK(t.host == "::1");
  for (const char* bad : {"udp://127.0.0.1:514", "tcp://127.0.0.1", "tcp://:514",
                          "tcp://127.0.0.1:0", "tcp://127.0.0.1:65536", "tcp://::1:514",
                          "tcp://a b:514", "tcp://[::1]514", "tcp://host:514/path", "tcp://"}) {
    CHECK_MESSAGE(!gw::audit::parse_syslog_url(bad, t).empty(), bad);
  }
}

TEST_CASE("a syslog message is RFC 5424 with the record's time, event, seq and hash") {
  const std::string line =
      R"({"ts":"2026-12-01T18:00:00.123Z","seq":9,"prev":"x","event":"JWT_EXPIRED"})";
  const std::string m = gw::audit::syslog_message(line, 9, Event::jwt_expired, "gw1", 42);
  CHECK(m ==
        "<108>1 2026-12-01T18:00:00.123Z gw1 iot-gateway 42 JWT_EXPIRED [audit@32473 "
        "seq=\"9\" hash=\"" +
            pki::sha256_hex(line) + "\"] " + line);
  CHECK(gw::audit::syslog_message(line, 9, Event::jwt_ok, "", 1).rfind("<110>1 ", 0) == 0);
}
