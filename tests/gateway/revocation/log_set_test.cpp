// SPDX-License-Identifier: Apache-2.0
// revocation::verify_log and LogSet (issue 12, gateway enforcement): the exported
// transparency log (log-head.json, log-leaves.bin, the manifest's "log"), each of its
// checks refused on its own, consistency with the last accepted head, the persisted
// state, and the per-request check_logged. The log files are written here by a small
// writer of the fixed export format (docs/trust.md), independent of iot-ca's.
#include <doctest/doctest.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/revocation/chain.hpp"
#include "gateway/revocation/log_set.hpp"
#include "gateway/revocation/trust_manifest.hpp"
#include "pki_fixture.hpp"
#include "trustsign/publisher.hpp"
#include "workflows/init_ca.hpp"
#include "workflows/publish.hpp"
#include "workflows/publisher.hpp"
#include "x509/pem.hpp"

namespace {

namespace rv = gw::revocation;
using Json = nlohmann::json;

// RFC 9162 §2.1.1 by its recursive definition (not the streaming code under test).
rv::Hash sha(const std::string& s) {
  rv::Hash h;
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), h.data());
  return h;
}
rv::Hash mth(const std::vector<rv::Hash>& leaves, std::size_t lo, std::size_t hi) {
  if (hi == lo) return sha("");
  if (hi - lo == 1) return leaves[lo];
  std::size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  const rv::Hash l = mth(leaves, lo, lo + k);
  const rv::Hash r = mth(leaves, lo + k, hi);
  return sha(std::string(1, '\x01') + std::string(l.begin(), l.end()) +
             std::string(r.begin(), r.end()));
}
std::string hex(const rv::Hash& h) {
  return pki::hex_lower(h);
}
std::string bytes(const std::vector<rv::Hash>& v) {
  return std::string(rv::leaf_bytes(v));
}
std::vector<rv::Hash> fake_leaves(std::size_t n, char tag = 'c') {
  std::vector<rv::Hash> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string der = std::string("certificate ") + tag + std::to_string(i);
    out.push_back(
        pki::translog::leaf_hash({reinterpret_cast<const unsigned char*>(der.data()), der.size()}));
  }
  return out;
}

// The export's three pieces, as iot-ca writes them.
struct Log {
  std::vector<rv::Hash> leaves;
  std::string head, leaves_bin, manifest;
  Json head_json, manifest_json;
  explicit Log(std::vector<rv::Hash> l) : leaves(std::move(l)) {
    leaves_bin = bytes(leaves);
    head_json = {{"format", "iot-pki-log-head/1"},
                 {"tree_size", leaves.size()},
                 {"root_hash", hex(mth(leaves, 0, leaves.size()))},
                 {"timestamp", "2026-12-01T20:00:00Z"},
                 {"leaves",
                  {{"name", "log-leaves.bin"},
                   {"size", leaves_bin.size()},
                   {"sha256", pki::sha256_hex(leaves_bin)}}}};
    rewrite();
  }
  // Head text from head_json, and a manifest listing both files with the head's "log".
  void rewrite() {
    head = head_json.dump(2) + "\n";
    manifest_json = {
        {"format", "iot-pki-trust/1"},
        {"sequence", 1},
        {"files",
         {{{"name", "log-head.json"}, {"size", head.size()}, {"sha256", pki::sha256_hex(head)}},
          {{"name", "log-leaves.bin"},
           {"size", leaves_bin.size()},
           {"sha256", pki::sha256_hex(leaves_bin)}}}},
        {"log", {{"tree_size", head_json["tree_size"]}, {"root_hash", head_json["root_hash"]}}}};
    manifest = manifest_json.dump(2) + "\n";
  }
  [[nodiscard]] rv::LogVerdict verify(const rv::LogMark& prev = {}) const {
    return rv::verify_log(manifest, head, leaves_bin, prev);
  }
  [[nodiscard]] rv::LogMark mark() const {
    return {leaves.size(), head_json["root_hash"].get<std::string>()};
  }
};

void refused(const rv::LogVerdict& v, const std::string& part) {
  CHECK_FALSE(v.ok);
  CHECK_FALSE(v.inconsistent);
  CHECK_MESSAGE(v.reason.rfind("log: ", 0) == 0, v.reason);
  CHECK_MESSAGE(v.reason.find(part) != std::string::npos, v.reason);
}

}  // namespace

TEST_CASE("the streaming tree hash is RFC 9162's Merkle Tree Hash for every size up to 70") {
  CHECK(hex(rv::tree_hash("")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  for (std::size_t n = 1; n <= 70; ++n) {
    const auto l = fake_leaves(n);
    CHECK_MESSAGE(hex(rv::tree_hash(bytes(l))) == hex(mth(l, 0, n)), n);
  }
  // The leaf hash: SHA-256(0x00 ‖ entry).
  const std::string der = "abc";
  CHECK(pki::translog::leaf_hash({reinterpret_cast<const unsigned char*>(der.data()), 3}) ==
        sha(std::string(1, '\0') + "abc"));
}

TEST_CASE("a well-formed log whose leaves hash to its root is accepted") {
  for (const std::size_t n : {0, 1, 2, 3, 7, 8, 1000}) {
    const Log log(fake_leaves(n));
    const auto v = log.verify();
    REQUIRE_MESSAGE(v.ok, v.reason);
    CHECK(v.head.tree_size == n);
    CHECK(v.head.root_hash == log.head_json["root_hash"]);
  }
}

TEST_CASE("each malformed field of the head is refused, naming it") {
  const Log good(fake_leaves(5));
  struct Case {
    const char* name;
    void (*edit)(Json&);
    const char* says;
  };
  const Case cases[] = {
      {"format", [](Json& j) { j["format"] = "iot-pki-log-head/2"; }, "format"},
      {"format type", [](Json& j) { j["format"] = 1; }, "format"},
      {"no format", [](Json& j) { j.erase("format"); }, "format"},
      {"tree_size negative", [](Json& j) { j["tree_size"] = -1; }, "tree_size"},
      {"tree_size string", [](Json& j) { j["tree_size"] = "5"; }, "tree_size"},
      {"tree_size float", [](Json& j) { j["tree_size"] = 5.0; }, "tree_size"},
      {"tree_size over the cap", [](Json& j) { j["tree_size"] = (1ULL << 24) + 1; }, "cap"},
      {"root upper case",
       [](Json& j) {
         std::string r = j["root_hash"];
         for (auto& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
         j["root_hash"] = r;
       },
       "root_hash"},
      {"root short", [](Json& j) { j["root_hash"] = std::string(63, 'a'); }, "root_hash"},
      {"root not hex", [](Json& j) { j["root_hash"] = std::string(64, 'g'); }, "root_hash"},
      {"root missing", [](Json& j) { j.erase("root_hash"); }, "root_hash"},
      {"timestamp offset", [](Json& j) { j["timestamp"] = "2026-12-01T20:00:00+01:00"; },
       "timestamp"},
      {"timestamp month", [](Json& j) { j["timestamp"] = "2026-13-01T20:00:00Z"; }, "timestamp"},
      {"timestamp feb 30", [](Json& j) { j["timestamp"] = "2026-02-30T20:00:00Z"; }, "timestamp"},
      {"timestamp number", [](Json& j) { j["timestamp"] = 1764619200; }, "timestamp"},
      {"timestamp missing", [](Json& j) { j.erase("timestamp"); }, "timestamp"},
      {"leaves not an object", [](Json& j) { j["leaves"] = "log-leaves.bin"; }, "leaves"},
      {"leaves name", [](Json& j) { j["leaves"]["name"] = "../etc/passwd"; }, "leaves.name"},
      {"leaves size", [](Json& j) { j["leaves"]["size"] = 161; }, "leaves.size"},
      {"leaves size type", [](Json& j) { j["leaves"]["size"] = "160"; }, "size"},
      {"leaves sha", [](Json& j) { j["leaves"]["sha256"] = std::string(64, 'x'); }, "sha256"},
      {"leaves extra key", [](Json& j) { j["leaves"]["url"] = "x"; }, "unknown key"},
      {"extra key", [](Json& j) { j["signature"] = "x"; }, "unknown key"},
  };
  for (const auto& c : cases) {
    Log log = good;
    c.edit(log.head_json);
    log.rewrite();
    INFO(c.name);
    refused(log.verify(), c.says);
    CHECK_THROWS_AS((void)rv::parse_log_head(log.head), pki::Error);
  }
  // Not JSON, not an object, too large, truncated.
  for (const std::string& text : {std::string("not json"), std::string("[1,2]"),
                                  std::string(5000, ' ') + "{}", good.head.substr(0, 40)}) {
    CHECK_THROWS_AS((void)rv::parse_log_head(text), pki::Error);
  }
  CHECK_NOTHROW((void)rv::parse_log_head(good.head));
}

TEST_CASE("leaves of the wrong size, not a multiple of 32, or with another hash are refused") {
  const Log good(fake_leaves(9));
  Log log = good;
  log.leaves_bin.pop_back();  // truncated: 287 bytes
  refused(log.verify(), "not a multiple of 32");
  log = good;
  log.leaves_bin.resize(log.leaves_bin.size() - 32);  // one leaf short of tree_size
  refused(log.verify(), "the head says 288");
  log = good;
  log.leaves_bin += std::string(32, 'x');  // an extra leaf
  refused(log.verify(), "the head says 288");
  log = good;
  log.leaves_bin[100] ^= 1;  // a tampered leaf: its SHA-256 is not the head's
  refused(log.verify(), "has SHA-256");
}

TEST_CASE("a head whose root is not the leaves' tree hash is refused even when self-consistent") {
  // Leaves and head agree on size and SHA-256, the manifest on both, but the root lies.
  Log log(fake_leaves(6));
  log.head_json["root_hash"] = hex(mth(fake_leaves(6, 'x'), 0, 6));
  log.rewrite();
  refused(log.verify(), "the leaves hash to root");
  // A tampered leaf with the head's sha256 and the manifest recomputed: the root catches it.
  Log t(fake_leaves(6));
  t.leaves_bin[3] ^= 1;
  t.head_json["leaves"]["sha256"] = pki::sha256_hex(t.leaves_bin);
  t.rewrite();
  refused(t.verify(), "the leaves hash to root");
}

TEST_CASE("the manifest must list both files with their hashes and carry the head's log") {
  const Log good(fake_leaves(4));
  Log log = good;
  log.manifest_json.erase("log");
  log.manifest = log.manifest_json.dump();
  refused(log.verify(), "no \"log\"");
  log = good;
  log.manifest_json["log"]["tree_size"] = 3;
  log.manifest = log.manifest_json.dump();
  refused(log.verify(), "not the head's");
  log = good;
  log.manifest_json["log"]["root_hash"] = std::string(64, '0');
  log.manifest = log.manifest_json.dump();
  refused(log.verify(), "not the head's");
  log = good;
  log.manifest_json["files"].erase(1);
  log.manifest = log.manifest_json.dump();
  refused(log.verify(), "lists no log-leaves.bin");
  log = good;
  log.manifest_json["files"][0]["sha256"] = std::string(64, '0');
  log.manifest = log.manifest_json.dump();
  refused(log.verify(), "log-head.json does not match the manifest");
  log = good;
  log.head += " ";  // the head changed after the manifest was signed
  refused(log.verify(), "log-head.json does not match the manifest");
}

TEST_CASE("a new head must extend the last accepted one: larger with the same first leaves") {
  const auto all = fake_leaves(20);
  const Log old(std::vector<rv::Hash>(all.begin(), all.begin() + 13));
  const Log grown(all);
  // Appended leaves, the same head again, and from nothing.
  CHECK(grown.verify(old.mark()).ok);
  CHECK(old.verify(old.mark()).ok);
  CHECK(grown.verify({}).ok);
  CHECK(grown.verify(grown.mark()).ok);
  // A shrunk log (a valid head of the first 10 leaves).
  const Log shrunk(std::vector<rv::Hash>(all.begin(), all.begin() + 10));
  auto v = shrunk.verify(old.mark());
  CHECK_FALSE(v.ok);
  CHECK(v.inconsistent);
  CHECK(v.reason.find("shrank") != std::string::npos);
  // A rewritten history: leaf 5 replaced, the head recomputed and valid on its own.
  auto rewritten_leaves = all;
  rewritten_leaves[5] = fake_leaves(1, 'z')[0];
  const Log rewritten(rewritten_leaves);
  CHECK(rewritten.verify({}).ok);
  v = rewritten.verify(old.mark());
  CHECK_FALSE(v.ok);
  CHECK(v.inconsistent);
  CHECK(v.reason.find("history rewritten") != std::string::npos);
  CHECK(v.reason.find("tree_size 13") != std::string::npos);
  // The same size with another root.
  const Log other(fake_leaves(13, 'q'));
  v = other.verify(old.mark());
  CHECK(v.inconsistent);
}

TEST_CASE("a LogSet finds exactly its leaves") {
  auto leaves = fake_leaves(1000);
  const auto copy = leaves;
  const auto set = rv::LogSet::adopt(std::move(leaves), {});
  CHECK(set->size() == 1000);
  for (const auto& h : copy) CHECK(set->contains(h));
  for (const auto& h : fake_leaves(50, 'n')) CHECK_FALSE(set->contains(h));
  CHECK_FALSE(rv::LogSet::adopt({}, {})->contains(copy[0]));
}

TEST_CASE("the state file keeps the last head; a file written before the log still parses") {
  const std::string old_file =
      R"({"format":"iot-gateway-trust-state/1","sequence":4,"crl_numbers":{}})";
  const rv::Seen s = rv::parse_seen(old_file);
  CHECK(s.sequence == 4);
  CHECK(s.log.empty());
  rv::Seen with = s;
  with.log = {13, std::string(64, 'a')};
  CHECK(rv::parse_seen(rv::write_seen(with)) == with);
  CHECK(rv::write_seen(s).find("\"log\"") == std::string::npos);
  for (const char* bad :
       {R"("log":1)", R"("log":{"tree_size":1})", R"("log":{"tree_size":-1,"root_hash":"aa"})",
        R"("log":{"tree_size":1,"root_hash":"AA"})"}) {
    const std::string text =
        R"({"format":"iot-gateway-trust-state/1","sequence":4,"crl_numbers":{},)" +
        std::string(bad) + "}";
    CHECK_THROWS_AS((void)rv::parse_seen(text), pki::Error);
  }
}

TEST_CASE("check_logged refuses a chain whose leaf is not logged, naming serial and issuer") {
  const auto root = test::make_root();
  const auto iss = test::make_issuing(root, "iss");
  pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::config::Settings settings;
  pki::x509::LeafSpec spec;
  spec.common_name = "dev-logged";
  spec.days = 5;
  const pki::X509Ptr logged = pki::x509::make_leaf(iss, key.get(), spec, settings);
  spec.common_name = "dev-minted";
  const pki::X509Ptr minted = pki::x509::make_leaf(iss, key.get(), spec, settings);
  std::vector<rv::Hash> leaves{rv::cert_leaf_hash(root.cert.get()),
                               rv::cert_leaf_hash(iss.cert.get()),
                               rv::cert_leaf_hash(logged.get())};
  const auto set = rv::LogSet::adopt(std::move(leaves), {});
  const auto chain_of = [&](X509* leaf) {
    STACK_OF(X509)* chain = sk_X509_new_null();
    sk_X509_push(chain, leaf);
    sk_X509_push(chain, iss.cert.get());
    sk_X509_push(chain, root.cert.get());
    return chain;
  };
  STACK_OF(X509)* good = chain_of(logged.get());
  STACK_OF(X509)* bad = chain_of(minted.get());
  CHECK(rv::check_logged(set.get(), good).trusted());
  const rv::Decision d = rv::check_logged(set.get(), bad);
  CHECK(d.verdict == rv::Verdict::not_logged);
  CHECK(d.serial == pki::x509::serial_hex(minted.get()));
  CHECK(d.reason.find("dev-minted") != std::string::npos);
  CHECK(d.reason.find("Unit iss") != std::string::npos);
  // No log at all: nothing is logged (fail closed).
  CHECK(rv::check_logged(nullptr, good).verdict == rv::Verdict::not_logged);
  sk_X509_free(good);
  sk_X509_free(bad);
}

namespace {

// A real export (the workflows iot-ca runs) with a log added by this file's writer and
// the manifest re-signed by the home's publisher key.
struct Home {
  test::ScratchDir dir{"log-set"};
  pki::ca::Home home{dir.path / "pki"};
  Home() {
    const pki::keys::PassphraseSource none;
    (void)pki::workflows::init_root(home, {"Log Root", "", pki::keys::KeyType::ec_p256, 0, true},
                                    none);
    (void)pki::workflows::create_issuing(
        home, {"iss1", "Log Issuing", pki::keys::KeyType::ec_p256, 0, true}, none);
  }
  [[nodiscard]] std::string pin() const {
    std::string fp = pki::x509::sha256_fingerprint(home.root_cert().get());
    for (auto& c : fp) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return fp;
  }
  struct Files {
    std::string bundle, crl, manifest, signature, head, leaves;
    bool has_log = false;
    [[nodiscard]] rv::TrustFiles view() const {
      return {bundle, crl, manifest, signature, has_log, head, leaves};
    }
  };
  // with_log: add the log of `leaves` to the manifest (and re-sign it).
  Files export_with(const Log* log) const {
    const auto out = dir.path / "trust";
    (void)pki::workflows::export_trust(home, pki::keys::PassphraseSource(), out, pki::now_unix());
    const auto read = [&](const char* n) {
      return pki::fs::read_file(out / n, pki::fs::kTrustLimit);
    };
    Files f{read("ca-bundle.pem"),
            read("crl.pem"),
            read("manifest.json"),
            read("manifest.json.p7s"),
            "",
            "",
            false};
    // The export's own log taken out, this file's put in (or none), the manifest re-signed.
    Json m = Json::parse(f.manifest);
    m.erase("log");
    Json kept = Json::array();
    for (const auto& e : m["files"]) {
      if (e["name"].get<std::string>().rfind("log-", 0) != 0) kept.push_back(e);
    }
    m["files"] = kept;
    if (log != nullptr) {
      for (const auto& e : log->manifest_json["files"]) m["files"].push_back(e);
      m["log"] = log->manifest_json["log"];
    }
    f.manifest = m.dump(2) + "\n";
    const pki::keys::PassphraseSource none;
    const pki::x509::Signer pub = pki::workflows::load_publisher(home, none, none);
    f.signature = pki::trustsign::sign_detached(pub, f.manifest);
    if (log != nullptr) {
      f.head = log->head;
      f.leaves = log->leaves_bin;
      f.has_log = true;
    }
    return f;
  }
};

}  // namespace

TEST_CASE("verify_trust takes the log from a signed manifest and enforces require_logged") {
  const Home h;
  const Log log(fake_leaves(40));
  const rv::Seen none;
  // With the log: accepted, the mark persisted in the next Seen.
  const Home::Files with = h.export_with(&log);
  auto v = rv::verify_trust(with.view(), {{h.pin()}, true, true}, none, nullptr, pki::now_unix());
  REQUIRE_MESSAGE(v.ok, v.reason);
  CHECK(v.has_log);
  CHECK(v.seen.log == log.mark());
  // Without a log: fine by default, refused with require_logged.
  const Home::Files without = h.export_with(nullptr);
  v = rv::verify_trust(without.view(), {{h.pin()}, true, false}, none, nullptr, pki::now_unix());
  CHECK(v.ok);
  CHECK_FALSE(v.has_log);
  v = rv::verify_trust(without.view(), {{h.pin()}, true, true}, none, nullptr, pki::now_unix());
  CHECK_FALSE(v.ok);
  CHECK(v.trust_rejected);
  CHECK(v.reason.rfind("log: ", 0) == 0);
  // The manifest has a log but the files are missing.
  Home::Files missing = with;
  missing.has_log = false;
  v = rv::verify_trust(missing.view(), {{h.pin()}, true, false}, none, nullptr, pki::now_unix());
  CHECK_FALSE(v.ok);
  CHECK(v.reason.find("missing") != std::string::npos);
  // A tampered leaf (even without require_logged: a set with a log is checked whole).
  Home::Files tampered = with;
  tampered.leaves[7] ^= 1;
  v = rv::verify_trust(tampered.view(), {{h.pin()}, true, false}, none, nullptr, pki::now_unix());
  CHECK_FALSE(v.ok);
  CHECK(v.trust_rejected);
  CHECK_FALSE(v.log_inconsistent);
  // A rewritten history against the persisted mark: LOG_INCONSISTENT.
  rv::Seen seen = none;
  seen.log = {20, hex(mth(fake_leaves(20, 'r'), 0, 20))};
  v = rv::verify_trust(with.view(), {{h.pin()}, true, true}, seen, nullptr, pki::now_unix());
  CHECK_FALSE(v.ok);
  CHECK(v.log_inconsistent);
  CHECK(v.reason.find("does not extend") != std::string::npos);
}
