// SPDX-License-Identifier: Apache-2.0
#pragma once
// The token and enrollment tests' fixture: a registry, a root CA signer, low Argon2id
// cost, and CSRs made on the spot.
#include <openssl/x509.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "keys/keys.hpp"
#include "pki_fixture.hpp"
#include "store/store_fixture.hpp"
#include "token/store.hpp"
#include "workflows/enroll.hpp"
#include "x509/csr.hpp"
#include "x509/pem.hpp"

namespace tokentest {

namespace stdfs = std::filesystem;
inline const pki::config::Argon2Cost kLow{1, 8192, 1};
constexpr std::int64_t kNow = 1'800'000'000;

struct Fixture {
  stdfs::path dir;
  std::unique_ptr<pki::store::sqlite::SqliteStore> reg;
  pki::x509::Signer signer;
  pki::config::Settings settings;

  Fixture() : dir(make_dir()), reg(test::open_sqlite(dir / "registry.db")) {
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
  pki::store::Store& db() const { return *reg; }

  pki::token::NewToken make(const std::string& device, std::int64_t ttl = 900) {
    const std::string ids[] = {device};
    return std::move(pki::token::create_tokens(db(), ids, ttl, kLow, kNow).front());
  }
  std::int64_t count(const std::string& sql) const { return test::sql_count(*reg, sql); }
};

// A CSR for `cn`, signed by a fresh (or the given) EC P-256 key.
inline pki::x509::Csr make_csr(const std::string& cn, EVP_PKEY* key = nullptr) {
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

}  // namespace tokentest
