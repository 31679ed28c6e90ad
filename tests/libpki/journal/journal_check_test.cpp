// SPDX-License-Identifier: Apache-2.0
// journal::check (iot-ca journal verify): the journal against the registry tables and an
// exported head; the CRL guard; the manifest anchor parser; the serials digest.
#include <doctest/doctest.h>

#include "ca/issue.hpp"
#include "crl/issue.hpp"
#include "crl/revoke.hpp"
#include "journal/anchor.hpp"
#include "journal/check.hpp"
#include "journal/crl_guard.hpp"
#include "journal/digest.hpp"
#include "journal/journal.hpp"
#include "token/token_fixture.hpp"

namespace {

using tokentest::kNow;

// A registry made by the library's own operations: the root, two devices (one through a
// token), a revocation, a CRL, an export record, a purged and a pending token.
struct Registry : tokentest::Fixture {
  std::string dev1;
  std::string dev2;
  std::string pending;
  Registry() {
    db().transaction(
        [&] { (void)pki::ca::record_issued(db(), signer.cert.get(), "root", "root", "init", {}); });
    dev1 = issue("dev-1");
    const auto tok = make("dev-2");
    const auto row = pki::workflows::authorise(db(), pki::token::parse(tok.text.view()),
                                               tokentest::make_csr("dev-2"), kLow());
    dev2 = pki::workflows::redeem(db(), row, tokentest::make_csr("dev-2"), signer, settings, kNow)
               .record.serial;
    (void)make("dev-3", 60);  // expires at kNow + 60, purged below
    pending = make("dev-4").id;
    CHECK(pki::token::purge_expired(db(), kNow + 61) == 1);
    (void)pki::crl::revoke_cert(db(), dev1, pki::crl::Reason::key_compromise, kNow + 5);
    crl();
    db().transaction([&] {
      (void)pki::journal::append(db(), "export", {{"crl_numbers", {{"root", 1}}}});
    });
  }
  static const pki::config::Argon2Cost& kLow() { return tokentest::kLow; }
  std::string issue(const std::string& cn) {
    const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
    const pki::x509::LeafSpec spec{pki::x509::Profile::device, cn, {}, 30};
    return db().in_transaction(
        [&] { return pki::ca::issue_leaf(db(), signer, key.get(), spec, settings).record.serial; });
  }
  void crl() {
    db().transaction([&] { (void)pki::crl::issue_crl(db(), signer, kNow + 10, 7); });
  }
  void sql(const std::string& s) const { test::sql_exec(*reg, s); }
  pki::store::JournalRecord head() { return *db().last_journal_record(); }
  // Renumbers and re-hashes every record, as an attacker with the file would.
  void rechain() {
    std::vector<pki::store::JournalRecord> all;
    db().for_each_journal([&](const pki::store::JournalRecord& r) {
      all.push_back(r);
      return true;
    });
    sql("DELETE FROM journal");
    std::string prev;
    std::int64_t seq = 0;
    db().transaction([&] {
      for (auto r : all) {
        r.seq = ++seq;
        r.prev = prev;
        r.hash = pki::journal::record_hash(r.seq, r.ts, r.action, r.detail, r.prev);
        db().insert_journal(r);
        prev = r.hash;
      }
    });
  }
};

bool names(const pki::journal::Report& r, const std::string& table, const std::string& key,
           const std::string& text) {
  for (const auto& p : r.problems) {
    if (p.table == table && p.key == key && p.text().find(text) != std::string::npos) return true;
  }
  return false;
}

pki::journal::Anchor anchor_of(const pki::store::JournalRecord& r) {
  pki::journal::Anchor a;
  a.source = "manifest.json";
  a.seq = r.seq;
  a.hash = r.hash;
  a.sequence = r.seq;
  return a;
}

}  // namespace

TEST_CASE(
    "a registry made by the library's operations verifies, every row matched by its records") {
  Registry f;
  const auto r = pki::journal::check(f.db(), {anchor_of(f.head()), 100});
  for (const auto& p : r.problems) INFO(p.text());
  CHECK(r.ok());
  CHECK(r.certs == 3);
  CHECK(r.revoked == 1);
  CHECK(r.tokens == 2);  // dev-2's (used) and dev-4's (pending); dev-3's was purged
  CHECK(r.crls == 1);
  CHECK(r.to_json()["ok"] == true);
}

TEST_CASE("a direct un-revocation is named by its revoke record, and the next CRL is refused") {
  Registry f;
  f.sql("UPDATE certs SET revoked_at = NULL, reason = NULL WHERE serial = '" + f.dev1 + "'");
  const auto r = pki::journal::check(f.db());
  CHECK_FALSE(r.ok());
  CHECK(names(r, "certs", f.dev1, "says it is not revoked (revoked_at is NULL)"));
  CHECK(r.problems.front().action == "revoke");
  CHECK(test::code_of([&] { f.crl(); }) == pki::Exit::data);
  CHECK(f.db().last_crl_number("root") == 1);  // the refused CRL spent nothing
}

TEST_CASE("a swapped revocation (one undone, another made directly) is refused by the CRL guard") {
  Registry f;
  f.sql("UPDATE certs SET revoked_at = NULL, reason = NULL WHERE serial = '" + f.dev1 + "'");
  f.sql("UPDATE certs SET revoked_at = 1, reason = 'superseded' WHERE serial = '" + f.dev2 + "'");
  CHECK(test::code_of([&] { f.crl(); }) == pki::Exit::data);
  const auto r = pki::journal::check(f.db());
  CHECK(names(r, "certs", f.dev2, "no journal record revokes it"));
}

TEST_CASE("revocations recorded since the last CRL are what the next one adds") {
  Registry f;
  (void)pki::crl::revoke_cert(f.db(), f.dev2, pki::crl::Reason::superseded, kNow + 20);
  CHECK_NOTHROW(f.crl());
  CHECK(pki::journal::check(f.db()).ok());
}

TEST_CASE("deleted and forged rows are named from either side") {
  Registry f;
  f.sql("DELETE FROM certs WHERE serial = '" + f.dev1 + "'");
  f.sql(
      "INSERT INTO certs SELECT 'AA00', device_id, profile, issuer, subject, not_before,"
      " not_after, issued_at, pem, NULL, NULL FROM certs WHERE serial = '" +
      f.dev2 + "'");
  f.sql("DELETE FROM tokens WHERE id = '" + f.pending + "'");
  const auto r = pki::journal::check(f.db());
  CHECK(names(r, "certs", f.dev1, "the certs table has no row for it (deleted)"));
  CHECK(names(r, "certs", "AA00", "no journal record issued it"));
  CHECK(names(r, "tokens", f.pending, "no purge or discard record accounts for it"));
}

TEST_CASE("a field changed in a row is named with both values") {
  Registry f;
  f.sql("UPDATE certs SET profile = 'admin' WHERE serial = '" + f.dev2 + "'");
  f.sql("UPDATE certs SET reason = 'superseded' WHERE serial = '" + f.dev1 + "'");
  const auto r = pki::journal::check(f.db());
  CHECK(names(r, "certs", f.dev2,
              "profile differs: the journal says device, the certs row says admin"));
  CHECK(names(r, "certs", f.dev1, "the journal says keyCompromise, the certs row says superseded"));
}

TEST_CASE("a cut tail shows in the CRL Numbers; with a manifest, any cut or rewrite shows") {
  Registry f;
  const auto exported = f.head();
  f.sql("DELETE FROM journal WHERE seq >= " + std::to_string(exported.seq - 1));  // crl + export
  auto r = pki::journal::check(f.db());
  CHECK(names(r, "crl_numbers", "root", "has spent CRL Numbers up to 1"));

  Registry g;
  const auto head = g.head();
  g.sql("DELETE FROM journal WHERE seq = " + std::to_string(head.seq));  // the export only
  CHECK(pki::journal::check(g.db()).ok());                               // no local evidence
  r = pki::journal::check(g.db(), {anchor_of(head), 100});
  CHECK(names(r, "journal", "", "were deleted from its tail"));
  CHECK(r.problems.front().seq == head.seq);

  Registry h;
  const auto top = h.head();
  h.sql("UPDATE tokens SET device_id = 'rogue' WHERE id = '" + h.pending + "'");
  h.sql(
      "UPDATE journal SET detail = replace(detail, 'dev-4', 'rogue') WHERE action = "
      "'token.create'");
  h.rechain();
  CHECK(pki::journal::check(h.db()).ok());  // a consistent rewrite
  r = pki::journal::check(h.db(), {anchor_of(top), 100});
  CHECK(names(r, "journal", "", "the journal was rewritten"));
}

TEST_CASE(
    "an un-revocation hidden by deleting its record and re-chaining still shows in the CRL "
    "record") {
  Registry f;
  f.sql("UPDATE certs SET revoked_at = NULL, reason = NULL WHERE serial = '" + f.dev1 + "'");
  f.sql("DELETE FROM journal WHERE action = 'revoke'");
  f.rechain();
  const auto r = pki::journal::check(f.db());
  CHECK(names(r, "crl", "root", "listed 1 revoked certificates, but the journal records 0"));
}

TEST_CASE("records written before the cross-check existed still verify") {
  Registry f;
  // An old token.discard record named only a count; an old purge no cut-off.
  const auto t = f.make("dev-9");
  f.sql("DELETE FROM tokens WHERE id = '" + t.id + "'");
  f.db().transaction([&] {
    (void)pki::journal::append(f.db(), "token.discard", {{"count", 1}, {"why", "old"}});
  });
  const auto r = pki::journal::check(f.db());
  for (const auto& p : r.problems) INFO(p.text());
  CHECK(r.ok());
  CHECK(r.legacy_discards == 1);
  // A token discarded by name is accounted for without the legacy allowance.
  const std::vector<pki::token::NewToken> made = [&] {
    std::vector<pki::token::NewToken> v;
    v.push_back(f.make("dev-10"));
    return v;
  }();
  pki::token::discard_tokens(f.db(), made);
  CHECK(pki::journal::check(f.db()).legacy_discards == 1);
  CHECK(pki::journal::check(f.db()).ok());
}

TEST_CASE("problems past the cap are counted, not kept") {
  Registry f;
  f.sql("DELETE FROM certs WHERE serial <> '" + f.dev2 + "'");  // dev-2's token refers to it
  const auto r = pki::journal::check(f.db(), {std::nullopt, 2});
  CHECK(r.problems.size() == 2);
  CHECK(r.problem_count >= 3);
}

TEST_CASE("the serials digest does not depend on order and round-trips through hex") {
  pki::journal::SerialDigest a;
  pki::journal::SerialDigest b;
  for (const char* s : {"01", "FF00", "7A"}) a.add(s);
  for (const char* s : {"7A", "01", "FF00"}) b.add(s);
  CHECK(a.same_sum(b));
  CHECK(a.count() == 3);
  const auto back = pki::journal::SerialDigest::from_hex(a.hex());
  REQUIRE(back.has_value());
  CHECK(back->same_sum(a));
  b.add("02");
  CHECK_FALSE(b.same_sum(a));
  CHECK_FALSE(pki::journal::SerialDigest::from_hex("AB").has_value());
  CHECK_FALSE(pki::journal::SerialDigest::from_hex(std::string(64, 'G')).has_value());
}

TEST_CASE("the manifest anchor parser accepts an export's manifest and refuses everything else") {
  const std::string hash(64, 'a');
  const std::string good = R"({"format":"iot-pki-trust/1","sequence":9,"generated_at":"x",)"
                           R"("journal":{"seq":9,"hash":")" +
                           hash + R"("},"cas":[{"name":"root","crl_number":2}],"files":[]})";
  const auto a = pki::journal::parse_anchor(good, "m.json");
  CHECK(a.seq == 9);
  CHECK(a.hash == hash);
  CHECK(a.crl_numbers.at("root") == 2);
  const auto refused = [](const std::string& text, const std::string& why) {
    try {
      (void)pki::journal::parse_anchor(text, "m.json");
    } catch (const pki::Error& e) {
      CHECK(e.code() == pki::Exit::data);
      CHECK(std::string(e.what()).find(why) != std::string::npos);
      return;
    }
    FAIL("accepted: " << text);
  };
  const auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  refused("", "not JSON");
  refused("[1]", "not a JSON object");
  refused(std::string(100, '[') + std::string(100, ']'), "nested deeper");
  refused(with("iot-pki-trust/1", "iot-pki-backup/1"), "format");
  refused(with(R"("sequence":9)", R"("sequence":"9")"), "\"sequence\" is not an integer");
  refused(with(R"("seq":9)", R"("seq":0)"), "\"seq\" is not an integer of at least 1");
  refused(with(R"("seq":9)", R"("seq":9.5)"), "\"seq\" is not an integer");
  refused(with(R"("seq":9)", R"("seq":18446744073709551615)"), "\"seq\" is not an integer");
  refused(with(hash, std::string(64, 'A')), "64 lowercase hex");
  refused(with(hash, hash + "0"), "64 lowercase hex");
  refused(with(R"("seq":9,)", R"("seq":9,"extra":1,)"), "unknown member \"extra\"");
  refused(with(R"("cas":[)", R"("cas":[{"name":"root","crl_number":1},)"), "twice");
  refused(with(R"("cas":[{"name":"root","crl_number":2}])", R"("cas":{})"), "\"cas\" array");
  refused(with(R"("generated_at":"x",)", ""), "\"generated_at\"");
}

TEST_CASE("the store's read snapshot refuses changes, and finds a CA's last crl record") {
  Registry f;
  CHECK(test::code_of([&] { f.db().read_snapshot([&] { f.db().transaction([] {}); }); }) ==
        pki::Exit::internal);
  CHECK(test::code_of([&] {
          f.db().read_snapshot([&] { (void)pki::journal::append(f.db(), "x", {}); });
        }) == pki::Exit::internal);
  const auto last = f.db().last_journal_record_of("crl", "ca", "root");
  REQUIRE(last.has_value());
  CHECK(last->action == "crl");
  CHECK_FALSE(f.db().last_journal_record_of("crl", "ca", "nobody").has_value());
  std::int64_t revokes = 0;
  f.db().for_each_journal_after(0, "revoke",
                                [&](const pki::store::JournalRecord&) { return ++revokes, true; });
  CHECK(revokes == 1);
  CHECK(f.db().crl_numbers() == std::vector<std::pair<std::string, std::int64_t>>{{"root", 1}});
}
