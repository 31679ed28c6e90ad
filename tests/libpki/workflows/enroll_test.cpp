// SPDX-License-Identifier: Apache-2.0
// Enrollment: authenticate, device match and exactly-once redemption (workflows/enroll).
#include <doctest/doctest.h>

#include "token/token_fixture.hpp"

namespace {

using pki::token::NewToken;
using test::code_of;
using tokentest::Fixture;
using tokentest::kLow;
using tokentest::kNow;
using tokentest::make_csr;

}  // namespace

TEST_CASE("a created token authenticates and buys exactly one certificate") {
  Fixture f;
  const NewToken t = f.make("dev-1");
  const pki::token::Token parsed = pki::token::parse(t.text.view());
  const pki::token::TokenRow row = pki::token::authenticate(f.db(), parsed, kLow);
  CHECK(row.device_id == "dev-1");
  CHECK(row.status(kNow) == "pending");
  const auto csr = make_csr("dev-1");
  const auto r = pki::workflows::redeem(f.db(), row, csr, f.signer, f.settings, kNow + 1);
  CHECK_FALSE(r.reemitted);
  CHECK(r.record.device_id == "dev-1");
  const auto after = f.db().find_token(t.id);
  REQUIRE(after);
  CHECK(after->used_at == kNow + 1);
  CHECK(after->serial == r.record.serial);
  CHECK(code_of([&] {
          (void)pki::workflows::redeem(f.db(), row, csr, f.signer, f.settings, kNow + 2);
        }) == pki::Exit::denied);
  CHECK(f.count("SELECT count(*) FROM certs") == 1);
}

TEST_CASE("a token for another device is refused and stays usable") {
  Fixture f;
  const NewToken t = f.make("dev-1");
  const auto row = pki::token::authenticate(f.db(), pki::token::parse(t.text.view()), kLow);
  CHECK(code_of([&] {
          (void)pki::workflows::redeem(f.db(), row, make_csr("dev-2"), f.signer, f.settings, kNow);
        }) == pki::Exit::denied);
  CHECK(f.count("SELECT count(*) FROM certs") == 0);
  CHECK(f.count("SELECT count(*) FROM tokens WHERE used_at IS NULL") == 1);
}

TEST_CASE("an expired token is refused at and after its expiry second") {
  Fixture f;
  const NewToken t = f.make("dev-1", 60);
  const auto row = pki::token::authenticate(f.db(), pki::token::parse(t.text.view()), kLow);
  const auto csr = make_csr("dev-1");
  CHECK(code_of([&] {
          (void)pki::workflows::redeem(f.db(), row, csr, f.signer, f.settings, kNow + 60);
        }) == pki::Exit::denied);
  CHECK(row.status(kNow + 60) == "expired");
  CHECK_NOTHROW((void)pki::workflows::redeem(f.db(), row, csr, f.signer, f.settings, kNow + 59));
}

TEST_CASE("batch resume re-emits the certificate for the same key and refuses another key") {
  Fixture f;
  const NewToken t = f.make("dev-1");
  const auto row = pki::token::authenticate(f.db(), pki::token::parse(t.text.view()), kLow);
  pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  const auto first =
      pki::workflows::redeem(f.db(), row, make_csr("dev-1", key.get()), f.signer, f.settings, kNow);
  pki::workflows::RedeemOptions resume;
  resume.reemit_same_key = true;
  const auto again = pki::workflows::redeem(f.db(), row, make_csr("dev-1", key.get()), f.signer,
                                            f.settings, kNow, resume);
  CHECK(again.reemitted);
  CHECK(again.record.serial == first.record.serial);
  CHECK(code_of([&] {
          (void)pki::workflows::redeem(f.db(), row, make_csr("dev-1"), f.signer, f.settings, kNow,
                                       resume);
        }) == pki::Exit::denied);
  CHECK(f.count("SELECT count(*) FROM certs") == 1);
}

TEST_CASE("a failure before COMMIT rolls back the certificate and the token's use") {
  Fixture f;
  const NewToken t = f.make("dev-1");
  const auto row = pki::token::authenticate(f.db(), pki::token::parse(t.text.view()), kLow);
  pki::workflows::RedeemOptions o;
  o.before_commit = [](const pki::store::CertRecord&) {
    throw pki::Error(pki::Exit::cant_create, "disk full");
  };
  CHECK(code_of([&] {
          (void)pki::workflows::redeem(f.db(), row, make_csr("dev-1"), f.signer, f.settings, kNow,
                                       o);
        }) == pki::Exit::cant_create);
  CHECK(f.count("SELECT count(*) FROM certs") == 0);
  CHECK(f.count("SELECT count(*) FROM tokens WHERE used_at IS NULL") == 1);
}

TEST_CASE("of 8 threads redeeming one token on separate connections, exactly one issues") {
  Fixture f;
  const NewToken t = f.make("dev-1");
  const auto row = pki::token::authenticate(f.db(), pki::token::parse(t.text.view()), kLow);
  const auto csr = make_csr("dev-1");
  std::atomic<int> ok{0}, denied{0};
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&] {
        const auto reg = test::open_sqlite(f.dir / "registry.db", false);
        const pki::Exit c = code_of(
            [&] { (void)pki::workflows::redeem(*reg, row, csr, f.signer, f.settings, kNow); });
        (c == pki::Exit::ok ? ok : denied)++;
      });
    }
  }
  CHECK(ok == 1);
  CHECK(denied == 7);
  CHECK(f.count("SELECT count(*) FROM certs") == 1);
}
