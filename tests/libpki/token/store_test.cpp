// SPDX-License-Identifier: Apache-2.0
// The token store: creation, authentication, exactly-once redemption, list, purge.
#include <doctest/doctest.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "keys/keys.hpp"
#include "pki_fixture.hpp"
#include "registry/registry.hpp"
#include "registry/sqlite.hpp"
#include "token/store.hpp"
#include "x509/csr.hpp"
#include "x509/pem.hpp"

namespace {

namespace stdfs = std::filesystem;
using pki::token::NewToken;

const pki::config::Argon2Cost kLow{1, 8192, 1};
constexpr std::int64_t kNow = 1'800'000'000;

struct Fixture {
  stdfs::path dir;
  pki::db::Registry reg;
  pki::x509::Signer signer;
  pki::config::Settings settings;

  Fixture() : dir(make_dir()), reg(pki::db::Registry::open(dir / "registry.db", true)) {
    pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
    pki::X509Ptr cert = pki::x509::make_root(key.get(), "Unit Root", "Unit Org", 30);
    signer = pki::x509::Signer{"root", std::move(cert), std::move(key)};
    settings.argon2 = kLow;
  }
  ~Fixture() { stdfs::remove_all(dir); }

  static stdfs::path make_dir() {
    static std::atomic<int> n{0};
    const stdfs::path d = stdfs::temp_directory_path() /
                          ("prov-unit-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    stdfs::remove_all(d);
    stdfs::create_directories(d);
    return d;
  }
  sqlite3* db() const { return reg.handle(); }

  NewToken make(const std::string& device, std::int64_t ttl = 900) {
    const std::string ids[] = {device};
    return std::move(pki::token::create_tokens(db(), ids, ttl, kLow, kNow).front());
  }
  std::int64_t count(const std::string& sql) const {
    pki::db::Stmt q(db(), sql);
    q.step();
    return q.int64(0);
  }
};

// A CSR for `cn`, signed by a fresh (or the given) EC P-256 key.
pki::x509::Csr make_csr(const std::string& cn, EVP_PKEY* key = nullptr) {
  pki::PkeyPtr own;
  if (key == nullptr) {
    own = pki::keys::generate(pki::keys::KeyType::ec_p256);
    key = own.get();
  }
  pki::X509ReqPtr req(::X509_REQ_new());
  X509_NAME* name = ::X509_REQ_get_subject_name(req.get());
  ::X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  ::X509_REQ_set_pubkey(req.get(), key);
  ::X509_REQ_sign(req.get(), key, ::EVP_sha256());
  unsigned char* der = nullptr;
  const int len = ::i2d_X509_REQ(req.get(), &der);
  const std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  ::OPENSSL_free(der);
  return pki::x509::parse_csr(bytes, "test CSR");
}

using test::code_of;

}  // namespace

TEST_CASE("a created token authenticates and buys exactly one certificate") {
  Fixture f;
  const NewToken t = f.make("dev-1");
  const pki::token::Token parsed = pki::token::parse(t.text.view());
  const pki::token::TokenRow row = pki::token::authenticate(f.db(), parsed, kLow);
  CHECK(row.device_id == "dev-1");
  CHECK(row.status(kNow) == "pending");
  const auto csr = make_csr("dev-1");
  const auto r = pki::token::redeem(f.db(), row, csr, f.signer, f.settings, kNow + 1);
  CHECK_FALSE(r.reemitted);
  CHECK(r.record.device_id == "dev-1");
  const auto after = pki::token::find_token(f.db(), t.id);
  REQUIRE(after);
  CHECK(after->used_at == kNow + 1);
  CHECK(after->serial == r.record.serial);
  CHECK(code_of([&] {
          (void)pki::token::redeem(f.db(), row, csr, f.signer, f.settings, kNow + 2);
        }) == pki::Exit::denied);
  CHECK(f.count("SELECT count(*) FROM certs") == 1);
}

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

TEST_CASE("a token for another device is refused and stays usable") {
  Fixture f;
  const NewToken t = f.make("dev-1");
  const auto row = pki::token::authenticate(f.db(), pki::token::parse(t.text.view()), kLow);
  CHECK(code_of([&] {
          (void)pki::token::redeem(f.db(), row, make_csr("dev-2"), f.signer, f.settings, kNow);
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
          (void)pki::token::redeem(f.db(), row, csr, f.signer, f.settings, kNow + 60);
        }) == pki::Exit::denied);
  CHECK(row.status(kNow + 60) == "expired");
  CHECK_NOTHROW((void)pki::token::redeem(f.db(), row, csr, f.signer, f.settings, kNow + 59));
}

TEST_CASE("batch resume re-emits the certificate for the same key and refuses another key") {
  Fixture f;
  const NewToken t = f.make("dev-1");
  const auto row = pki::token::authenticate(f.db(), pki::token::parse(t.text.view()), kLow);
  pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  const auto first =
      pki::token::redeem(f.db(), row, make_csr("dev-1", key.get()), f.signer, f.settings, kNow);
  pki::token::RedeemOptions resume;
  resume.reemit_same_key = true;
  const auto again = pki::token::redeem(f.db(), row, make_csr("dev-1", key.get()), f.signer,
                                        f.settings, kNow, resume);
  CHECK(again.reemitted);
  CHECK(again.record.serial == first.record.serial);
  CHECK(code_of([&] {
          (void)pki::token::redeem(f.db(), row, make_csr("dev-1"), f.signer, f.settings, kNow,
                                   resume);
        }) == pki::Exit::denied);
  CHECK(f.count("SELECT count(*) FROM certs") == 1);
}

TEST_CASE("a failure before COMMIT rolls back the certificate and the token's use") {
  Fixture f;
  const NewToken t = f.make("dev-1");
  const auto row = pki::token::authenticate(f.db(), pki::token::parse(t.text.view()), kLow);
  pki::token::RedeemOptions o;
  o.before_commit = [](const pki::db::CertRecord&) {
    throw pki::Error(pki::Exit::cant_create, "disk full");
  };
  CHECK(code_of([&] {
          (void)pki::token::redeem(f.db(), row, make_csr("dev-1"), f.signer, f.settings, kNow, o);
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
        const auto reg = pki::db::Registry::open(f.dir / "registry.db");
        const pki::Exit c = code_of(
            [&] { (void)pki::token::redeem(reg.handle(), row, csr, f.signer, f.settings, kNow); });
        (c == pki::Exit::ok ? ok : denied)++;
      });
    }
  }
  CHECK(ok == 1);
  CHECK(denied == 7);
  CHECK(f.count("SELECT count(*) FROM certs") == 1);
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
  (void)pki::token::redeem(f.db(), row, make_csr("used"), f.signer, f.settings, kNow);
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
