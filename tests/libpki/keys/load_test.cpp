// SPDX-License-Identifier: Apache-2.0
// Keys on disk: every key type round-trips through write_private_key and
// load_private_key; a wrong passphrase, a key that is not one and an open mode are
// refused with their own exit codes; key type names parse both ways.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "fsutil/files.hpp"
#include "keys/keys.hpp"
#include "pki_fixture.hpp"

namespace {

using test::code_of;

std::filesystem::path pass_file(const std::filesystem::path& dir, const std::string& name,
                                const std::string& text) {
  const auto p = dir / name;
  pki::fs::write_file_atomic(p, text + "\n", 0600);
  return p;
}

}  // namespace

TEST_CASE("every key type round-trips encrypted and plain, written mode 0600") {
  const test::ScratchDir dir("keys-rt");
  const pki::keys::PassphraseSource pass(pass_file(dir.path, "pass", "correct horse battery"));
  for (const auto type :
       {pki::keys::KeyType::ec_p256, pki::keys::KeyType::ec_p384, pki::keys::KeyType::rsa4096}) {
    CAPTURE(pki::keys::key_type_name(type));
    const pki::PkeyPtr key = pki::keys::generate(type);
    const auto enc = dir.path / "enc.key";
    pki::keys::write_private_key(enc, key.get(), pass.for_new_key(false));
    const pki::PkeyPtr back = pki::keys::load_private_key(enc, pass);
    CHECK(::EVP_PKEY_eq(key.get(), back.get()) == 1);
    struct stat st {};
    REQUIRE(::stat(enc.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);

    const auto plain = dir.path / "plain.key";
    pki::keys::write_private_key(plain, key.get(), pki::Secret());
    CHECK(::EVP_PKEY_eq(key.get(), pki::keys::load_private_key(plain, {}).get()) == 1);
    CHECK_NOTHROW(pki::keys::require_acceptable_public_key(key.get(), "test key"));
  }
}

TEST_CASE("a wrong passphrase is 77, a file that is no key is 65, an open key file is 78") {
  const test::ScratchDir dir("keys-bad");
  const pki::keys::PassphraseSource right(pass_file(dir.path, "right", "correct horse battery"));
  const pki::keys::PassphraseSource wrong(pass_file(dir.path, "wrong", "incorrect horse battery"));
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  const auto enc = dir.path / "ca.key";
  pki::keys::write_private_key(enc, key.get(), right.for_new_key(false));
  CHECK(code_of([&] { (void)pki::keys::load_private_key(enc, wrong); }) == pki::Exit::denied);

  const auto junk = dir.path / "junk.key";
  pki::fs::write_file_atomic(junk, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                             0600);
  CHECK(code_of([&] { (void)pki::keys::load_private_key(junk, right); }) == pki::Exit::data);

  ::chmod(enc.c_str(), 0644);
  CHECK_THROWS_WITH_AS((void)pki::keys::load_private_key(enc, right),
                       doctest::Contains("chmod 600"), pki::Error);
  CHECK(code_of([&] { (void)pki::keys::load_private_key(dir.path / "absent.key", right); }) ==
        pki::Exit::no_input);
}

TEST_CASE("key type names parse both ways and anything else is a usage error") {
  for (const auto type :
       {pki::keys::KeyType::ec_p256, pki::keys::KeyType::ec_p384, pki::keys::KeyType::rsa4096}) {
    CHECK(pki::keys::parse_key_type(pki::keys::key_type_name(type)) == type);
  }
  CHECK(pki::keys::key_type_name(pki::keys::KeyType::ec_p384) == "ec-p384");
  CHECK(code_of([] { (void)pki::keys::parse_key_type("ed25519"); }) == pki::Exit::usage);
  CHECK(code_of([] { (void)pki::keys::parse_key_type(""); }) == pki::Exit::usage);
}
