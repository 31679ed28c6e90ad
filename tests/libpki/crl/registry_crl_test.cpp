// SPDX-License-Identifier: Apache-2.0
// CRL numbers, revocation transactions and CRLs built from the registry.
#include <doctest/doctest.h>

#include "crl/issue.hpp"
#include "crl/parse.hpp"
#include "crl/revoke.hpp"
#include "crl_fixture.hpp"
#include "journal/journal.hpp"

namespace {

using pki::crl::Reason;

constexpr std::int64_t kNow = 1795000000;
constexpr std::int64_t kLater = kNow + 365 * 86400;

struct Fixture {
  revtest::ScratchDir dir{"reg"};
  pki::db::Registry reg = pki::db::Registry::open(dir.path / "registry.db", true);
  pki::x509::Signer root = revtest::make_root();
  pki::x509::Signer iss = revtest::make_issuing(root, "iss1");

  sqlite3* db() const { return reg.handle(); }
  void add(const pki::db::CertRecord& r) {
    pki::db::WriteTxn txn(db());
    pki::db::insert_cert(db(), r);
    txn.commit();
  }
  std::int64_t journal_records() const {
    return revtest::count(db(), "SELECT count(*) FROM journal");
  }
  std::int64_t revoked_rows() const {
    return revtest::count(db(), "SELECT count(*) FROM certs WHERE revoked_at IS NOT NULL");
  }
};

pki::Exit code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const pki::Error& e) {
    return e.code();
  }
  return pki::Exit::ok;
}

}  // namespace

TEST_CASE("CRL numbers start at 1, increase by one, and are separate per CA") {
  Fixture f;
  pki::db::WriteTxn txn(f.db());
  CHECK(pki::crl::next_crl_number(f.db(), "root") == 1);
  CHECK(pki::crl::next_crl_number(f.db(), "root") == 2);
  CHECK(pki::crl::next_crl_number(f.db(), "iss1") == 1);
  CHECK(pki::crl::next_crl_number(f.db(), "root") == 3);
  txn.commit();
  CHECK(pki::crl::last_crl_number(f.db(), "root") == 3);
  CHECK(!pki::crl::last_crl_number(f.db(), "nobody").has_value());
}

TEST_CASE("a CRL number is spent only when its transaction commits") {
  Fixture f;
  {
    pki::db::WriteTxn txn(f.db());
    CHECK(pki::crl::next_crl_number(f.db(), "root") == 1);
    txn.commit();
  }
  {
    pki::db::WriteTxn txn(f.db());
    CHECK(pki::crl::next_crl_number(f.db(), "root") == 2);
  }  // rolled back, as when the process dies before COMMIT
  pki::db::WriteTxn txn(f.db());
  CHECK(pki::crl::next_crl_number(f.db(), "root") == 2);
}

TEST_CASE("a committed CRL number survives closing and reopening the registry") {
  revtest::ScratchDir dir("reopen");
  {
    auto reg = pki::db::Registry::open(dir.path / "registry.db", true);
    pki::db::WriteTxn txn(reg.handle());
    (void)pki::crl::next_crl_number(reg.handle(), "root");
    (void)pki::crl::next_crl_number(reg.handle(), "root");
    txn.commit();
  }
  auto reg = pki::db::Registry::open(dir.path / "registry.db");
  pki::db::WriteTxn txn(reg.handle());
  CHECK(pki::crl::next_crl_number(reg.handle(), "root") == 3);
}

TEST_CASE("revoking a certificate records the time, the reason and a journal record") {
  Fixture f;
  f.add(revtest::synthetic("0A0B", "dev-1", "iss1", kLater));
  const auto before = f.journal_records();
  const auto rec = pki::crl::revoke_cert(f.db(), "0a0b", Reason::key_compromise, kNow);
  CHECK(rec.serial == "0A0B");
  CHECK(rec.revoked_at == kNow);
  CHECK(rec.reason == "keyCompromise");
  const auto stored = pki::db::find_cert(f.db(), "0A0B");
  REQUIRE(stored);
  CHECK(stored->revoked_at == kNow);
  CHECK(stored->reason == "keyCompromise");
  CHECK(f.journal_records() == before + 1);
  CHECK(pki::journal::verify(f.db()).ok);
}

TEST_CASE("revoking an unknown or already revoked serial is bad data and changes nothing") {
  Fixture f;
  f.add(revtest::synthetic("0A0B", "dev-1", "iss1", kLater));
  (void)pki::crl::revoke_cert(f.db(), "0A0B", Reason::key_compromise, kNow);
  const auto journal = f.journal_records();
  CHECK(code_of([&] {
          (void)pki::crl::revoke_cert(f.db(), "0A0B", Reason::superseded, kNow + 5);
        }) == pki::Exit::data);
  CHECK(code_of([&] { (void)pki::crl::revoke_cert(f.db(), "FFFF", Reason::superseded, kNow); }) ==
        pki::Exit::data);
  CHECK(code_of([&] { (void)pki::crl::revoke_cert(f.db(), "zz", Reason::superseded, kNow); }) ==
        pki::Exit::data);
  const auto stored = pki::db::find_cert(f.db(), "0A0B");
  CHECK(stored->revoked_at == kNow);  // the first revocation stands
  CHECK(stored->reason == "keyCompromise");
  CHECK(f.journal_records() == journal);
  CHECK(f.revoked_rows() == 1);
}

TEST_CASE("the root CA's own certificate cannot be revoked") {
  Fixture f;
  auto rec = pki::db::record_for(f.root.cert.get(), "root", "root");
  f.add(rec);
  CHECK(code_of([&] {
          (void)pki::crl::revoke_cert(f.db(), rec.serial, Reason::ca_compromise, kNow);
        }) == pki::Exit::data);
  CHECK(f.revoked_rows() == 0);
}

TEST_CASE("revoking a device revokes all its active certificates and nothing else") {
  Fixture f;
  f.add(revtest::synthetic("01", "dev-1", "iss1", kLater));
  f.add(revtest::synthetic("02", "dev-1", "iss1", kLater));
  f.add(revtest::synthetic("03", "dev-1", "iss1", kNow - 1));  // expired
  f.add(revtest::synthetic("04", "dev-2", "iss1", kLater));
  (void)pki::crl::revoke_cert(f.db(), "02", Reason::superseded, kNow - 100);
  const auto done = pki::crl::revoke_device(f.db(), "dev-1", Reason::cessation_of_operation, kNow);
  REQUIRE(done.size() == 1);
  CHECK(done[0].serial == "01");
  CHECK(pki::db::find_cert(f.db(), "02")->reason == "superseded");  // untouched
  CHECK(!pki::db::find_cert(f.db(), "03")->revoked_at);
  CHECK(!pki::db::find_cert(f.db(), "04")->revoked_at);
}

TEST_CASE("revoking a device is all or nothing") {
  Fixture f;
  f.add(revtest::synthetic("01", "dev-1", "iss1", kLater));
  f.add(revtest::synthetic("02", "dev-1", "iss1", kLater));
  const auto done = pki::crl::revoke_device(f.db(), "dev-1", Reason::key_compromise, kNow);
  CHECK(done.size() == 2);
  const auto journal = f.journal_records();
  SUBCASE("a device with nothing left to revoke") {
    CHECK(code_of([&] {
            (void)pki::crl::revoke_device(f.db(), "dev-1", Reason::key_compromise, kNow);
          }) == pki::Exit::data);
  }
  SUBCASE("an unknown device") {
    CHECK(code_of([&] {
            (void)pki::crl::revoke_device(f.db(), "nobody", Reason::key_compromise, kNow);
          }) == pki::Exit::data);
  }
  SUBCASE("a device id with CR/LF or a quote") {
    CHECK(code_of([&] {
            (void)pki::crl::revoke_device(f.db(), "dev\r\n1", Reason::key_compromise, kNow);
          }) == pki::Exit::data);
    CHECK(code_of([&] {
            (void)pki::crl::revoke_device(f.db(), "dev\"1", Reason::key_compromise, kNow);
          }) == pki::Exit::data);
  }
  CHECK(f.journal_records() == journal);
  CHECK(f.revoked_rows() == 2);
}

TEST_CASE("a CA's CRL lists exactly the revoked certificates it issued, with their reasons") {
  Fixture f;
  f.add(revtest::synthetic("0101", "dev-1", "iss1", kLater));
  f.add(revtest::synthetic("0202", "dev-2", "iss1", kLater));
  f.add(revtest::synthetic("0303", "dev-3", "root", kLater));
  f.add(revtest::synthetic("0404", "dev-4", "iss1", kLater));  // not revoked
  (void)pki::crl::revoke_cert(f.db(), "0202", Reason::key_compromise, kNow - 50);
  (void)pki::crl::revoke_cert(f.db(), "0101", Reason::unspecified, kNow - 60);
  (void)pki::crl::revoke_cert(f.db(), "0303", Reason::superseded, kNow - 70);

  pki::db::WriteTxn txn(f.db());
  const auto issued = pki::crl::issue_crl(f.db(), f.iss, kNow, 7);
  txn.commit();
  CHECK(issued.ca == "iss1");
  CHECK(issued.number == 1);
  CHECK(issued.entries == 2);
  CHECK(issued.next_update == kNow + 7 * 86400);
  const auto crl = revtest::parse_der(issued.der);
  std::vector<pki::X509Ptr> cas;
  cas.push_back(pki::X509Ptr(::X509_dup(f.root.cert.get())));
  cas.push_back(pki::X509Ptr(::X509_dup(f.iss.cert.get())));
  const auto facts = pki::crl::check_crl(crl.get(), cas, "iss1 CRL");
  CHECK(facts.issuer == cas[1].get());
  CHECK(::BN_get_word(facts.number.get()) == 1);
  const STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl.get());
  REQUIRE(sk_X509_REVOKED_num(revoked) == 2);
  // Ordered by serial (the partial index's order).
  CHECK(pki::x509::serial_hex(
            ::X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, 0))) == "0101");
  CHECK(pki::x509::to_unix(::X509_REVOKED_get0_revocationDate(sk_X509_REVOKED_value(revoked, 1))) ==
        kNow - 50);
  // The journal names the CRL it made.
  pki::db::Stmt q(f.db(), "SELECT detail FROM journal WHERE action = 'crl'");
  REQUIRE(q.step());
  const auto detail = nlohmann::json::parse(q.text(0));
  CHECK(detail["crl_number"] == 1);
  CHECK(detail["sha256"] == issued.sha256);
  CHECK(pki::journal::verify(f.db()).ok);
}

TEST_CASE("a CRL build that fails spends no CRL number") {
  Fixture f;
  f.add(revtest::synthetic("0101", "dev-1", "iss1", kLater));
  (void)pki::crl::revoke_cert(f.db(), "0101", Reason::unspecified, kNow);
  pki::db::exec(f.db(), "UPDATE certs SET reason = 'bogus' WHERE serial = '0101'");
  {
    pki::db::WriteTxn txn(f.db());
    CHECK(code_of([&] { (void)pki::crl::issue_crl(f.db(), f.iss, kNow, 7); }) == pki::Exit::data);
  }
  CHECK(!pki::crl::last_crl_number(f.db(), "iss1").has_value());
  pki::db::WriteTxn txn(f.db());
  CHECK(code_of([&] { (void)pki::crl::issue_crl(f.db(), f.iss, kNow, 0); }) == pki::Exit::usage);
}

TEST_CASE("check_crl refuses a CRL from a CA outside the bundle and a tampered one") {
  Fixture f;
  pki::db::WriteTxn txn(f.db());
  auto issued = pki::crl::issue_crl(f.db(), f.iss, kNow, 7);
  txn.commit();
  std::vector<pki::X509Ptr> only_root;
  only_root.push_back(pki::X509Ptr(::X509_dup(f.root.cert.get())));
  const auto crl = revtest::parse_der(issued.der);
  CHECK(code_of([&] { (void)pki::crl::check_crl(crl.get(), only_root, "x"); }) == pki::Exit::data);

  std::vector<pki::X509Ptr> with_iss;
  with_iss.push_back(pki::X509Ptr(::X509_dup(f.iss.cert.get())));
  issued.der[issued.der.size() - 3] ^= 0x01;  // inside the signature
  const auto bad = revtest::parse_der(issued.der);
  CHECK(code_of([&] { (void)pki::crl::check_crl(bad.get(), with_iss, "x"); }) == pki::Exit::data);
}

TEST_CASE("crls_from_bytes reads one DER CRL or several PEM ones, and nothing else") {
  Fixture f;
  pki::db::WriteTxn txn(f.db());
  const auto a = pki::crl::issue_crl(f.db(), f.root, kNow, 7);
  const auto b = pki::crl::issue_crl(f.db(), f.iss, kNow, 7);
  txn.commit();
  CHECK(pki::crl::crls_from_bytes(a.der, "der").size() == 1);
  const std::string pem = pki::crl::der_to_pem(a.der) + pki::crl::der_to_pem(b.der);
  CHECK(pki::crl::crls_from_bytes(pem, "pem").size() == 2);
  CHECK(code_of([&] { (void)pki::crl::crls_from_bytes("", "empty"); }) == pki::Exit::data);
  CHECK(code_of([&] { (void)pki::crl::crls_from_bytes("hello", "text"); }) == pki::Exit::data);
  CHECK(code_of([&] { (void)pki::crl::crls_from_bytes(a.der + "x", "trailing"); }) ==
        pki::Exit::data);
  CHECK(code_of([&] {
          (void)pki::crl::crls_from_bytes(a.der.substr(0, a.der.size() / 2), "torn");
        }) == pki::Exit::data);
  std::string broken = pem;
  broken[pem.find('\n') + 10] = '!';
  CHECK(code_of([&] { (void)pki::crl::crls_from_bytes(broken, "broken"); }) == pki::Exit::data);
}
