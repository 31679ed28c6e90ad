// SPDX-License-Identifier: Apache-2.0
// The token store: creation, authentication, list, purge.
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

TEST_CASE("a wrong secret and an unknown id fail alike and consume nothing") {
  Fixture f;
  const NewToken t = f.make("dev-1");
  pki::token::Token wrong = pki::token::parse(t.text.view());
  wrong.secret.buffer()[0] ^= 1;
  CHECK(code_of([&] { (void)pki::token::authenticate(f.db(), wrong, kLow); }) == pki::Exit::denied);
  pki::token::Token unknown = pki::token::parse(t.text.view());
  unknown.id = std::string(24, '0');
  CHECK(code_of([&] { (void)pki::token::authenticate(f.db(), unknown, kLow); }) ==
        pki::Exit::denied);
  CHECK(f.count("SELECT count(*) FROM tokens WHERE used_at IS NULL") == 1);
}

TEST_CASE("the journal and the tokens table hold ids and hashes, never the secret") {
  Fixture f;
  const NewToken t = f.make("dev-1");
  const std::string text(t.text.view());
  CHECK(f.count("SELECT count(*) FROM journal WHERE action = 'token.create' AND detail LIKE '%" +
                t.id + "%'") == 1);
  CHECK(f.count("SELECT count(*) FROM journal WHERE instr(detail, '" + text.substr(30) +
                "') > 0") == 0);
  CHECK(f.count("SELECT count(*) FROM tokens WHERE instr(hash, '" + text.substr(30) + "') > 0") ==
        0);
}

TEST_CASE("list filters by status and purge drops only expired unused tokens") {
  Fixture f;
  (void)f.make("short", 10);
  (void)f.make("long", 1000);
  const NewToken used = f.make("used", 10);
  const auto row = pki::token::authenticate(f.db(), pki::token::parse(used.text.view()), kLow);
  (void)pki::workflows::redeem(f.db(), row, make_csr("used"), f.signer, f.settings, kNow);
  const std::int64_t later = kNow + 100;
  CHECK(pki::token::list_tokens(f.db(), "", later).size() == 3);
  CHECK(pki::token::list_tokens(f.db(), "pending", later).front().device_id == "long");
  CHECK(pki::token::list_tokens(f.db(), "used", later).front().device_id == "used");
  CHECK(pki::token::list_tokens(f.db(), "expired", later).front().device_id == "short");
  CHECK(pki::token::purge_expired(f.db(), later) == 1);
  CHECK(pki::token::list_tokens(f.db(), "", later).size() == 2);
  CHECK(pki::token::purge_expired(f.db(), later) == 0);
}

TEST_CASE("creating tokens refuses a bad device id before storing anything") {
  Fixture f;
  const std::string ids[] = {"ok-1", "bad id"};
  CHECK(code_of([&] { (void)pki::token::create_tokens(f.db(), ids, 60, kLow, kNow, 2); }) ==
        pki::Exit::data);
  CHECK(f.count("SELECT count(*) FROM tokens") == 0);
}

TEST_CASE("tokens hashed in parallel are all stored and all verify") {
  Fixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back("d-" + std::to_string(i));
  const auto made = pki::token::create_tokens(f.db(), ids, 60, kLow, kNow, 4);
  REQUIRE(made.size() == 12);
  for (std::size_t i = 0; i < made.size(); ++i) {
    CHECK(made[i].device_id == ids[i]);
    CHECK(
        pki::token::authenticate(f.db(), pki::token::parse(made[i].text.view()), kLow).device_id ==
        ids[i]);
  }
}
