// SPDX-License-Identifier: Apache-2.0
// The SQLite backend's own rules: schema version, WAL + synchronous=FULL, migrations,
// and what raw edits of the file do to the journal.
#include <doctest/doctest.h>

#include <stdexcept>
#include <tuple>
#include <vector>

#include "ca/issue.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "journal/journal.hpp"
#include "store/store_fixture.hpp"
#include "translog/merkle.hpp"

namespace sq = pki::store::sqlite;

TEST_CASE("a new registry is at the current schema version, in WAL mode") {
  const test::ScratchDir dir("reg");
  const auto reg = test::open_sqlite(dir.path / "r.db");
  CHECK(sq::schema_version(reg->handle()) == sq::kSchemaVersion);
  sq::Stmt mode(reg->handle(), "PRAGMA journal_mode");
  REQUIRE(mode.step());
  CHECK(mode.text(0) == "wal");
  sq::Stmt sync(reg->handle(), "PRAGMA synchronous");
  REQUIRE(sync.step());
  CHECK(sync.int64(0) == 2);  // FULL
}

TEST_CASE("a version 1 registry is migrated forward to the covering revocation index") {
  const test::ScratchDir dir("regmig");
  {
    const auto reg = test::open_sqlite(dir.path / "r.db");
    // Put the file back to schema v1 as a 0.1 release wrote it.
    test::sql_exec(
        *reg,
        "DROP INDEX certs_revoked;"
        "CREATE INDEX certs_revoked ON certs(issuer, serial) WHERE revoked_at IS NOT NULL;"
        "DROP TABLE log_leaves; DROP TABLE log_heads;"
        "PRAGMA user_version=1;");
  }
  const auto reg = test::open_sqlite(dir.path / "r.db", false);
  CHECK(sq::schema_version(reg->handle()) == sq::kSchemaVersion);
  CHECK(test::sql_count(*reg, "SELECT count(*) FROM pragma_index_info('certs_revoked')") == 4);
}

TEST_CASE("a version 2 registry's certificates become the log's first leaves, in issue order") {
  const test::ScratchDir dir("reglog");
  const auto pem_of = [](char c) { return test::fake_cert_pem(30, c); };
  {
    const auto reg = test::open_sqlite(dir.path / "r.db");
    test::sql_exec(*reg, "DROP TABLE log_leaves; DROP TABLE log_heads; PRAGMA user_version=2;");
    // Issued at 300, 100, 100: the log orders them by issued_at, then serial.
    for (const auto& [serial, at, c] :
         {std::tuple{"0C", 300, 'C'}, std::tuple{"0B", 100, 'B'}, std::tuple{"0A", 100, 'A'}}) {
      test::sql_exec(*reg,
                     "INSERT INTO certs(serial, profile, issuer, subject, not_before, "
                     "not_after, issued_at, pem) VALUES('" +
                         std::string(serial) + "', 'device', 'root', 'CN=x', 0, 1, " +
                         std::to_string(at) + ", '" + pem_of(c) + "')");
    }
  }
  const auto reg = test::open_sqlite(dir.path / "r.db", false);
  CHECK(sq::schema_version(reg->handle()) == sq::kSchemaVersion);
  std::vector<std::string> order;
  reg->for_each_log_leaf(true, [&](const pki::store::LogLeaf& leaf) {
    order.push_back(leaf.serial);
    const auto der = pki::translog::pem_certificate_der(*leaf.pem);
    CHECK(leaf.hash == sq::log_leaf_of_pem(*leaf.pem, leaf.serial));
    CHECK(der.has_value());
    return true;
  });
  CHECK(order == std::vector<std::string>{"0A", "0B", "0C"});
  CHECK(reg->unlogged_cert_count() == 0);
}

TEST_CASE("a certificate's log leaf commits with its row, and rolls back with it") {
  const test::ScratchDir dir("regleaf");
  const auto reg = test::open_sqlite(dir.path / "r.db");
  pki::store::CertRecord r;
  r.serial = "01";
  r.profile = "device";
  r.issuer = "root";
  r.subject = "CN=d";
  r.pem = test::fake_cert_pem(33);
  CHECK_THROWS(reg->transaction([&] {
    reg->insert_cert(r);
    CHECK(reg->log_size() == 1);
    throw std::runtime_error("abort");
  }));
  CHECK(reg->log_size() == 0);
  reg->transaction([&] { reg->insert_cert(r); });
  r.serial = "02";
  reg->transaction([&] { reg->insert_cert(r); });
  CHECK(reg->log_size() == 2);
  const auto leaf = reg->find_log_leaf("02");
  REQUIRE(leaf.has_value());
  CHECK(leaf->index == 1);
  const auto der = pki::translog::pem_certificate_der(r.pem);
  const auto h = pki::translog::leaf_hash(pki::as_bytes(*der));
  CHECK(leaf->hash == std::string(reinterpret_cast<const char*>(h.data()), 32));
  // A PEM without a certificate block is refused, and nothing is inserted.
  r.serial = "03";
  r.pem = "-";
  CHECK_THROWS_AS(reg->transaction([&] { reg->insert_cert(r); }), pki::Error);
  CHECK_FALSE(reg->find_cert("03").has_value());
  CHECK(reg->log_size() == 2);
}

TEST_CASE("a registry from a newer version is refused, a missing one is not created") {
  const test::ScratchDir dir("regv");
  {
    const auto reg = test::open_sqlite(dir.path / "r.db");
    test::sql_exec(*reg, "PRAGMA user_version=99");
  }
  CHECK_THROWS_WITH_AS((void)sq::open(dir.path / "r.db", false),
                       doctest::Contains("newer than this tool supports"), pki::Error);
  CHECK_THROWS_AS((void)sq::open(dir.path / "absent.db", false), pki::Error);
  CHECK_FALSE(std::filesystem::exists(dir.path / "absent.db"));
}

TEST_CASE("an issuance and its journal record commit together or not at all") {
  const test::ScratchDir dir("issue");
  const auto reg = test::open_sqlite(dir.path / "r.db");
  const auto root = test::make_root();
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  const pki::config::Settings settings;
  CHECK_THROWS_WITH_AS(reg->transaction([&] {
    (void)pki::ca::issue_leaf(*reg, root, key.get(), {pki::x509::Profile::device, "d1", {}, 10},
                              settings);
    throw pki::Error(pki::Exit::io, "disk gone");  // rolled back
  }),
                       "disk gone", pki::Error);
  CHECK(test::sql_count(*reg, "SELECT count(*) FROM certs") == 0);
  CHECK(test::sql_count(*reg, "SELECT count(*) FROM journal") == 0);
  const auto issued = reg->in_transaction([&] {
    return pki::ca::issue_leaf(*reg, root, key.get(), {pki::x509::Profile::device, "d1", {}, 10},
                               settings);
  });
  CHECK(reg->find_cert(issued.record.serial).has_value());
  CHECK(test::sql_count(*reg, "SELECT count(*) FROM certs") == 1);
  CHECK(pki::journal::verify(*reg).ok);
}

TEST_CASE("revoking marks once; unknown and repeated revocations change nothing") {
  const test::ScratchDir dir("revoke");
  const auto reg = test::open_sqlite(dir.path / "r.db");
  const auto root = test::make_root();
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  reg->transaction([&] {
    const auto issued =
        pki::ca::issue_leaf(*reg, root, key.get(), {pki::x509::Profile::device, "d2", {}, 10}, {});
    CHECK(reg->mark_revoked(issued.record.serial, "keyCompromise", 1000));
    CHECK_FALSE(reg->mark_revoked(issued.record.serial, "superseded", 2000));
    CHECK_FALSE(reg->mark_revoked("ABCDEF", "superseded", 2000));
    const auto rec = reg->find_cert(issued.record.serial);
    CHECK(rec->revoked_at == 1000);
    CHECK(rec->reason == "keyCompromise");
    CHECK(rec->status(0) == "revoked");
  });
}

TEST_CASE("the journal names an edited, a deleted and a reordered record") {
  const test::ScratchDir dir("journal");
  const auto reg = test::open_sqlite(dir.path / "r.db");
  reg->transaction([&] {
    for (int i = 0; i < 5; ++i) pki::journal::append(*reg, "test", {{"i", i}});
  });
  CHECK(pki::journal::verify(*reg).records == 5);

  test::sql_exec(*reg, "SAVEPOINT s; UPDATE journal SET detail='{\"i\":9}' WHERE seq=2");
  auto v = pki::journal::verify(*reg);
  CHECK_FALSE(v.ok);
  CHECK(v.bad_seq == 2);
  test::sql_exec(*reg, "ROLLBACK TO s; RELEASE s");

  test::sql_exec(*reg, "SAVEPOINT s; DELETE FROM journal WHERE seq=3");
  v = pki::journal::verify(*reg);
  CHECK_FALSE(v.ok);
  CHECK(v.bad_seq == 4);
  test::sql_exec(*reg, "ROLLBACK TO s; RELEASE s");

  test::sql_exec(
      *reg,
      "SAVEPOINT s; UPDATE journal SET seq=-1 WHERE seq=4; UPDATE journal SET seq=4 WHERE seq=5;"
      "UPDATE journal SET seq=5 WHERE seq=-1");
  v = pki::journal::verify(*reg);
  CHECK_FALSE(v.ok);
  CHECK(v.bad_seq == 4);
  test::sql_exec(*reg, "ROLLBACK TO s; RELEASE s");
  CHECK(pki::journal::verify(*reg).ok);
}
