// SPDX-License-Identifier: Apache-2.0
// store::Store, run against the SQLite backend: the unit of work commits or rolls back
// every change together, writes outside it are refused, and every SQLite failure comes
// out as the exit code of SPEC §4 (busy → 75, full / read-only → 74, damaged → 65).
#include <doctest/doctest.h>

#include <fstream>

#include "ca/issue.hpp"
#include "journal/journal.hpp"
#include "store/open.hpp"
#include "store/store_fixture.hpp"

namespace {

namespace sq = pki::store::sqlite;
using test::code_of;

pki::store::CertRecord cert(const std::string& serial, const std::string& device = "dev-1") {
  pki::store::CertRecord r;
  r.serial = serial;
  r.device_id = device;
  r.profile = "device";
  r.issuer = "root";
  r.subject = "CN=" + device;
  r.not_before = 1000;
  r.not_after = 5000;
  r.issued_at = 1000;
  r.pem = test::fake_cert_pem();
  return r;
}

pki::store::TokenRow token(const std::string& id, std::int64_t expires_at = 5000) {
  return {id, "dev-1", "$argon2id$x", 1000, expires_at, {}, {}};
}

std::size_t journal_size(pki::store::Store& s) {
  std::size_t n = 0;
  s.for_each_journal([&](const pki::store::JournalRecord&) { return ++n, true; });
  return n;
}

// One certificate "01", one token "t1", CRL Number 1 of root and one journal record.
void one_of_each(pki::store::Store& s) {
  s.transaction([&] {
    s.insert_cert(cert("01"));
    s.insert_token(token("t1"));
    (void)s.next_crl_number("root");
    pki::journal::append(s, "test", {{"n", 1}});
  });
}

}  // namespace

TEST_CASE("a transaction commits every change together when its work returns") {
  const test::ScratchDir dir("st-commit");
  const auto s = pki::store::open_store({.path = dir.path / "r.db", .create = true});
  one_of_each(*s);
  CHECK(s->find_cert("01").has_value());
  CHECK(s->find_token("t1").has_value());
  CHECK(s->last_crl_number("root") == 1);
  CHECK(journal_size(*s) == 1);
  CHECK(pki::journal::verify(*s).ok);
}

TEST_CASE("a transaction whose work throws changes nothing and rethrows") {
  const test::ScratchDir dir("st-rollback");
  const auto s = pki::store::open_store({.path = dir.path / "r.db", .create = true});
  s->transaction([&] { s->insert_cert(cert("01")); });
  const auto fails = [&] {
    s->transaction([&] {
      s->insert_cert(cert("02"));
      s->insert_token(token("t1"));
      CHECK(s->mark_revoked("01", "keyCompromise", 2000));
      (void)s->next_crl_number("root");
      pki::journal::append(*s, "test", {{"n", 1}});
      throw pki::Error(pki::Exit::cant_create, "the certificate file could not be written");
    });
  };
  CHECK_THROWS_WITH_AS(fails(), "the certificate file could not be written", pki::Error);
  CHECK_FALSE(s->find_cert("02").has_value());
  CHECK_FALSE(s->find_cert("01")->revoked_at.has_value());
  CHECK_FALSE(s->find_token("t1").has_value());
  CHECK_FALSE(s->last_crl_number("root").has_value());
  CHECK(journal_size(*s) == 0);
  // The store is usable again afterwards.
  s->transaction([&] { s->insert_cert(cert("03")); });
  CHECK(s->find_cert("03").has_value());
}

TEST_CASE("a duplicate serial fails the transaction as an internal error and keeps nothing") {
  const test::ScratchDir dir("st-dup");
  const auto s = pki::store::open_store({.path = dir.path / "r.db", .create = true});
  s->transaction([&] { s->insert_cert(cert("01")); });
  CHECK(code_of([&] {
          s->transaction([&] {
            s->insert_cert(cert("02"));
            s->insert_cert(cert("01"));
          });
        }) == pki::Exit::internal);
  CHECK_FALSE(s->find_cert("02").has_value());
}

TEST_CASE("changes outside a transaction and nested transactions are refused as bugs") {
  const test::ScratchDir dir("st-outside");
  const auto s = pki::store::open_store({.path = dir.path / "r.db", .create = true});
  CHECK(code_of([&] { s->insert_cert(cert("01")); }) == pki::Exit::internal);
  CHECK(code_of([&] { (void)s->mark_revoked("01", "x", 1); }) == pki::Exit::internal);
  CHECK(code_of([&] { (void)s->next_crl_number("root"); }) == pki::Exit::internal);
  CHECK(code_of([&] { s->insert_token(token("t1")); }) == pki::Exit::internal);
  CHECK(code_of([&] { (void)s->delete_expired_tokens(9999); }) == pki::Exit::internal);
  CHECK(code_of([&] { pki::journal::append(*s, "test", {}); }) == pki::Exit::internal);
  CHECK(code_of([&] { s->transaction([&] { s->transaction([] {}); }); }) == pki::Exit::internal);
  CHECK_FALSE(s->find_cert("01").has_value());
  CHECK(journal_size(*s) == 0);
}

TEST_CASE("certificates are found by serial and device, listed by status, revoked once") {
  const test::ScratchDir dir("st-certs");
  const auto s = pki::store::open_store({.path = dir.path / "r.db", .create = true});
  s->transaction([&] {
    s->insert_cert(cert("0A"));
    auto expired = cert("0B");
    expired.not_after = 1500;
    s->insert_cert(expired);
    s->insert_cert(cert("0C", "dev-2"));
    auto ca = cert("0D", "");
    ca.profile = "issuing";
    s->insert_cert(ca);
    CHECK(s->mark_revoked("0C", "superseded", 1800));
    CHECK_FALSE(s->mark_revoked("0C", "keyCompromise", 1900));
    CHECK_FALSE(s->mark_revoked("FF", "keyCompromise", 1900));
  });
  using pki::store::CertStatus;
  CHECK(s->list_certs(CertStatus::any, 2000).size() == 4);
  CHECK(s->list_certs(CertStatus::active, 2000).size() == 2);  // 0A, the CA
  CHECK(s->list_certs(CertStatus::expired, 2000).front().serial == "0B");
  const auto revoked = s->list_certs(CertStatus::revoked, 2000);
  REQUIRE(revoked.size() == 1);
  CHECK(revoked[0].reason == "superseded");
  CHECK(revoked[0].revoked_at == 1800);
  CHECK(s->certs_of_device("dev-1").size() == 2);  // the issuing CA is not a device's
  CHECK(s->certs_of_device("dev-2").front().status(2000) == "revoked");
  CHECK(s->revoked_count("root") == 1);
  std::vector<std::string> streamed;
  s->for_each_revoked("root",
                      [&](const pki::store::RevokedEntry& e) { streamed.push_back(e.serial); });
  CHECK(streamed == std::vector<std::string>{"0C"});
  CHECK(pki::store::parse_cert_status("") == CertStatus::any);
  CHECK(code_of([] { (void)pki::store::parse_cert_status("gone"); }) == pki::Exit::usage);
}

TEST_CASE("a token is marked used once and purged only when it expired unused") {
  const test::ScratchDir dir("st-tokens");
  const auto s = pki::store::open_store({.path = dir.path / "r.db", .create = true});
  s->transaction([&] {
    s->insert_cert(cert("01"));
    s->insert_token(token("used"));
    s->insert_token(token("old", 1500));
    s->insert_token(token("new", 9000));
    s->mark_token_used("used", 1200, "01");
    CHECK(code_of([&] { s->mark_token_used("used", 1300, "01"); }) == pki::Exit::internal);
  });
  using pki::store::TokenStatus;
  CHECK(s->find_token("used")->serial == "01");
  CHECK(s->list_tokens(TokenStatus::pending, 2000).front().id == "new");
  CHECK(s->list_tokens(TokenStatus::expired, 2000).front().id == "old");
  CHECK(s->in_transaction([&] { return s->delete_expired_tokens(2000); }) == 1);
  CHECK(s->list_tokens(TokenStatus::any, 2000).size() == 2);
  CHECK(code_of([] { (void)pki::store::parse_token_status("gone"); }) == pki::Exit::usage);
}

TEST_CASE("SQLite result codes map to the exit codes of SPEC 4") {
  CHECK(sq::exit_for(SQLITE_BUSY) == pki::Exit::temp);
  CHECK(sq::exit_for(SQLITE_LOCKED) == pki::Exit::temp);
  CHECK(sq::exit_for(SQLITE_BUSY_SNAPSHOT) == pki::Exit::temp);  // extended codes too
  CHECK(sq::exit_for(SQLITE_IOERR) == pki::Exit::io);
  CHECK(sq::exit_for(SQLITE_IOERR_FSYNC) == pki::Exit::io);
  CHECK(sq::exit_for(SQLITE_FULL) == pki::Exit::io);
  CHECK(sq::exit_for(SQLITE_READONLY) == pki::Exit::io);
  CHECK(sq::exit_for(SQLITE_CANTOPEN) == pki::Exit::io);
  CHECK(sq::exit_for(SQLITE_CORRUPT) == pki::Exit::data);
  CHECK(sq::exit_for(SQLITE_NOTADB) == pki::Exit::data);
  CHECK(sq::exit_for(SQLITE_CONSTRAINT) == pki::Exit::internal);
  CHECK(sq::exit_for(SQLITE_MISUSE) == pki::Exit::internal);
}

TEST_CASE("a registry that cannot be written fails with 74 and keeps its contents") {
  const test::ScratchDir dir("st-ro");
  const auto s = test::open_sqlite(dir.path / "r.db");
  s->transaction([&] { s->insert_cert(cert("01")); });
  test::sql_exec(*s, "PRAGMA query_only=1");  // every write is SQLITE_READONLY now
  CHECK(code_of([&] { s->transaction([&] { s->insert_cert(cert("02")); }); }) == pki::Exit::io);
  test::sql_exec(*s, "PRAGMA query_only=0");
  CHECK(s->find_cert("01").has_value());
  CHECK_FALSE(s->find_cert("02").has_value());
}

TEST_CASE("a full registry fails with 74 and the transaction leaves nothing behind") {
  const test::ScratchDir dir("st-full");
  const auto s = test::open_sqlite(dir.path / "r.db");
  const std::int64_t pages = test::sql_count(*s, "PRAGMA page_count");
  test::sql_exec(*s, "PRAGMA max_page_count=" + std::to_string(pages + 1));
  CHECK(code_of([&] {
          s->transaction([&] {
            for (int i = 0; i < 200; ++i) {
              auto r = cert("S" + std::to_string(i));
              r.pem = test::fake_cert_pem(3000, 'x');
              s->insert_cert(r);
            }
          });
        }) == pki::Exit::io);
  CHECK(s->list_certs(pki::store::CertStatus::any, 0).empty());
}

TEST_CASE("a registry locked by another writer past the timeout fails with 75") {
  const test::ScratchDir dir("st-busy");
  const auto a = test::open_sqlite(dir.path / "r.db");
  const auto b = test::open_sqlite(dir.path / "r.db", false);
  ::sqlite3_busy_timeout(b->handle(), 50);
  a->transaction([&] {
    a->insert_cert(cert("01"));
    CHECK_THROWS_WITH_AS(b->transaction([&] { b->insert_cert(cert("02")); }),
                         doctest::Contains("busy; retry"), pki::Error);
    CHECK(code_of([&] { b->transaction([] {}); }) == pki::Exit::temp);
  });
  CHECK(b->find_cert("01").has_value());
}

TEST_CASE("a file that is not a registry, or a damaged one, is refused with 65") {
  const test::ScratchDir dir("st-corrupt");
  { std::ofstream(dir.path / "junk.db") << std::string(8192, 'j'); }
  CHECK_THROWS_WITH_AS((void)sq::open(dir.path / "junk.db", false),
                       doctest::Contains("restore it from a backup"), pki::Error);
  CHECK(code_of([&] { (void)sq::open(dir.path / "junk.db", false); }) == pki::Exit::data);

  {
    const auto s = test::open_sqlite(dir.path / "r.db");
    s->transaction([&] {
      for (int i = 0; i < 50; ++i) {
        auto r = cert("S" + std::to_string(i));
        r.pem = test::fake_cert_pem(1500, 'p');
        s->insert_cert(r);
      }
    });
    test::sql_exec(*s, "PRAGMA wal_checkpoint(TRUNCATE)");
  }
  {
    // Give every b-tree page after the schema page an invalid page type.
    const auto size = std::filesystem::file_size(dir.path / "r.db");
    std::fstream f(dir.path / "r.db", std::ios::in | std::ios::out | std::ios::binary);
    for (std::uintmax_t page = 1; page * 4096 < size; ++page) {
      f.seekp(static_cast<std::streamoff>(page * 4096));
      f.put('\x01');
    }
  }
  const pki::Exit code = code_of([&] {
    const auto s = sq::open(dir.path / "r.db", false);
    (void)s->list_certs(pki::store::CertStatus::any, 0);
  });
  CHECK(code == pki::Exit::data);
}

TEST_CASE("a backup is a consistent copy that opens as a registry; an existing file is kept") {
  const test::ScratchDir dir("st-backup");
  const auto s = pki::store::open_store({.path = dir.path / "r.db", .create = true});
  one_of_each(*s);
  s->backup_to(dir.path / "copy.db");
  CHECK_FALSE(std::filesystem::exists(dir.path / "copy.db-wal"));  // one self-contained file
  const auto c = pki::store::open_store({.path = dir.path / "copy.db"});
  CHECK(c->find_cert("01").has_value());
  CHECK(c->find_token("t1").has_value());
  CHECK(c->last_crl_number("root") == 1);
  CHECK(pki::journal::verify(*c).records == 1);
  CHECK(code_of([&] { s->backup_to(dir.path / "copy.db"); }) == pki::Exit::cant_create);
}

TEST_CASE("an unknown backend is a configuration error") {
  const test::ScratchDir dir("st-backend");
  CHECK(code_of([&] {
          (void)pki::store::open_store({.backend = "postgres", .path = dir.path / "r.db"});
        }) == pki::Exit::config);
}
