// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "ca/issue.hpp"
#include "core/error.hpp"
#include "journal/journal.hpp"
#include "pki_fixture.hpp"
#include "registry/registry.hpp"
#include "registry/sqlite.hpp"

namespace {

std::int64_t count(sqlite3* db, const char* sql) {
  pki::db::Stmt q(db, sql);
  q.step();
  return q.int64(0);
}

}  // namespace

TEST_CASE("a new registry is at the current schema version, in WAL mode") {
  const test::ScratchDir dir("reg");
  const auto reg = pki::db::Registry::open(dir.path / "r.db", true);
  CHECK(reg.schema_version() == pki::db::kSchemaVersion);
  pki::db::Stmt mode(reg.handle(), "PRAGMA journal_mode");
  REQUIRE(mode.step());
  CHECK(mode.text(0) == "wal");
  pki::db::Stmt sync(reg.handle(), "PRAGMA synchronous");
  REQUIRE(sync.step());
  CHECK(sync.int64(0) == 2);  // FULL
}

TEST_CASE("a version 1 registry is migrated forward to the covering revocation index") {
  const test::ScratchDir dir("regmig");
  {
    const auto reg = pki::db::Registry::open(dir.path / "r.db", true);
    // Put the file back to schema v1 as a 0.1 release wrote it.
    pki::db::exec(
        reg.handle(),
        "DROP INDEX certs_revoked;"
        "CREATE INDEX certs_revoked ON certs(issuer, serial) WHERE revoked_at IS NOT NULL;"
        "PRAGMA user_version=1;");
  }
  const auto reg = pki::db::Registry::open(dir.path / "r.db");
  CHECK(reg.schema_version() == 2);
  pki::db::Stmt cols(reg.handle(), "SELECT count(*) FROM pragma_index_info('certs_revoked')");
  REQUIRE(cols.step());
  CHECK(cols.int64(0) == 4);
}

TEST_CASE("a registry from a newer version is refused, a missing one is not created") {
  const test::ScratchDir dir("regv");
  {
    const auto reg = pki::db::Registry::open(dir.path / "r.db", true);
    pki::db::exec(reg.handle(), "PRAGMA user_version=99");
  }
  CHECK_THROWS_WITH_AS((void)pki::db::Registry::open(dir.path / "r.db"),
                       doctest::Contains("newer than this tool supports"), pki::Error);
  CHECK_THROWS_AS((void)pki::db::Registry::open(dir.path / "absent.db"), pki::Error);
  CHECK_FALSE(std::filesystem::exists(dir.path / "absent.db"));
}

TEST_CASE("an issuance and its journal record commit together or not at all") {
  const test::ScratchDir dir("issue");
  const auto reg = pki::db::Registry::open(dir.path / "r.db", true);
  const auto root = test::make_root();
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  const pki::config::Settings settings;
  {
    pki::db::WriteTxn txn(reg.handle());
    (void)pki::ca::issue_leaf(reg.handle(), root, key.get(),
                              {pki::x509::Profile::device, "d1", {}, 10}, settings);
    // no commit: rolled back
  }
  CHECK(count(reg.handle(), "SELECT count(*) FROM certs") == 0);
  CHECK(count(reg.handle(), "SELECT count(*) FROM journal") == 0);
  {
    pki::db::WriteTxn txn(reg.handle());
    const auto issued = pki::ca::issue_leaf(reg.handle(), root, key.get(),
                                            {pki::x509::Profile::device, "d1", {}, 10}, settings);
    txn.commit();
    CHECK(pki::db::find_cert(reg.handle(), issued.record.serial).has_value());
  }
  CHECK(count(reg.handle(), "SELECT count(*) FROM certs") == 1);
  CHECK(pki::journal::verify(reg.handle()).ok);
}

TEST_CASE("revoking marks once; unknown and repeated revocations are refused") {
  const test::ScratchDir dir("revoke");
  const auto reg = pki::db::Registry::open(dir.path / "r.db", true);
  const auto root = test::make_root();
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::db::WriteTxn txn(reg.handle());
  const auto issued = pki::ca::issue_leaf(reg.handle(), root, key.get(),
                                          {pki::x509::Profile::device, "d2", {}, 10}, {});
  pki::db::mark_revoked(reg.handle(), issued.record.serial, "keyCompromise", 1000);
  CHECK_THROWS_WITH_AS(
      pki::db::mark_revoked(reg.handle(), issued.record.serial, "superseded", 2000),
      doctest::Contains("already revoked"), pki::Error);
  CHECK_THROWS_WITH_AS(pki::db::mark_revoked(reg.handle(), "ABCDEF", "superseded", 2000),
                       doctest::Contains("unknown serial"), pki::Error);
  const auto rec = pki::db::find_cert(reg.handle(), issued.record.serial);
  CHECK(rec->revoked_at == 1000);
  CHECK(rec->reason == "keyCompromise");
  CHECK(rec->status(0) == "revoked");
}

TEST_CASE("the journal names an edited, a deleted and a reordered record") {
  const test::ScratchDir dir("journal");
  const auto reg = pki::db::Registry::open(dir.path / "r.db", true);
  sqlite3* db = reg.handle();
  {
    pki::db::WriteTxn txn(db);
    for (int i = 0; i < 5; ++i) pki::journal::append(db, "test", {{"i", i}});
    txn.commit();
  }
  CHECK(pki::journal::verify(db).records == 5);

  pki::db::exec(db, "SAVEPOINT s; UPDATE journal SET detail='{\"i\":9}' WHERE seq=2");
  auto v = pki::journal::verify(db);
  CHECK_FALSE(v.ok);
  CHECK(v.bad_seq == 2);
  pki::db::exec(db, "ROLLBACK TO s; RELEASE s");

  pki::db::exec(db, "SAVEPOINT s; DELETE FROM journal WHERE seq=3");
  v = pki::journal::verify(db);
  CHECK_FALSE(v.ok);
  CHECK(v.bad_seq == 4);
  pki::db::exec(db, "ROLLBACK TO s; RELEASE s");

  pki::db::exec(
      db,
      "SAVEPOINT s; UPDATE journal SET seq=-1 WHERE seq=4; UPDATE journal SET seq=4 WHERE seq=5;"
      "UPDATE journal SET seq=5 WHERE seq=-1");
  v = pki::journal::verify(db);
  CHECK_FALSE(v.ok);
  CHECK(v.bad_seq == 4);
  pki::db::exec(db, "ROLLBACK TO s; RELEASE s");
  CHECK(pki::journal::verify(db).ok);
}
