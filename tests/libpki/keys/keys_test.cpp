// SPDX-License-Identifier: Apache-2.0
// Passphrase rules and key encryption (issue 9 item 13, issue 15 "Keys").
#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <string>

#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "keys/keys.hpp"
#include "pki_fixture.hpp"

namespace {

using SigPtr = std::unique_ptr<X509_SIG, pki::Deleter<X509_SIG_free>>;
using Pbe2Ptr = std::unique_ptr<PBE2PARAM, pki::Deleter<PBE2PARAM_free>>;
using Pbkdf2Ptr = std::unique_ptr<PBKDF2PARAM, pki::Deleter<PBKDF2PARAM_free>>;

pki::Exit code_of_new_key(const std::filesystem::path& file) {
  try {
    (void)pki::keys::PassphraseSource(file).for_new_key(false);
  } catch (const pki::Error& e) {
    return e.code();
  }
  return pki::Exit::ok;
}

}  // namespace

TEST_CASE("a new key's passphrase that is empty, blank or short is refused as bad data") {
  const test::ScratchDir dir("keys");
  const auto write = [&](const char* name, const std::string& text) {
    pki::fs::write_file_atomic(dir.path / name, text, 0600);
    return dir.path / name;
  };
  CHECK(code_of_new_key(write("empty", "")) == pki::Exit::data);
  CHECK(code_of_new_key(write("empty-line", "\ncorrect horse battery\n")) == pki::Exit::data);
  CHECK(code_of_new_key(write("crlf", "\r\n")) == pki::Exit::data);
  CHECK(code_of_new_key(write("blank", "              \n")) == pki::Exit::data);
  CHECK(code_of_new_key(write("short", std::string(pki::keys::kMinPassphraseLength - 1, 'x'))) ==
        pki::Exit::data);
  const auto ok = write("ok", std::string(pki::keys::kMinPassphraseLength, 'x') + "\n");
  CHECK(pki::keys::PassphraseSource(ok).for_new_key(false).size() ==
        pki::keys::kMinPassphraseLength);
  // --no-passphrase: an empty secret, the file is not even read.
  CHECK(pki::keys::PassphraseSource(dir.path / "missing").for_new_key(true).empty());
}

TEST_CASE("an existing key's empty passphrase is refused; a short one is still tried") {
  const test::ScratchDir dir("keys-old");
  pki::fs::write_file_atomic(dir.path / "empty", "\n", 0600);
  pki::fs::write_file_atomic(dir.path / "short", "abc\n", 0600);
  try {
    (void)pki::keys::PassphraseSource(dir.path / "empty").for_existing_key("ca.key");
    FAIL("accepted an empty passphrase");
  } catch (const pki::Error& e) {
    CHECK(e.code() == pki::Exit::data);
  }
  CHECK(pki::keys::PassphraseSource(dir.path / "short").for_existing_key("ca.key").view() == "abc");
}

TEST_CASE("an encrypted key is PBES2 with PBKDF2-HMAC-SHA256, 600,000 iterations, AES-256") {
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  const pki::Secret pass(std::string("correct horse battery staple"));
  const pki::Secret pem = pki::keys::to_pkcs8_pem(key.get(), pass);
  const pki::BioPtr bio(::BIO_new_mem_buf(pem.view().data(), static_cast<int>(pem.size())));
  const SigPtr sig(::PEM_read_bio_PKCS8(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(sig);
  const X509_ALGOR* alg = nullptr;
  ::X509_SIG_get0(sig.get(), &alg, nullptr);
  REQUIRE(::OBJ_obj2nid(alg->algorithm) == NID_pbes2);
  const Pbe2Ptr pbe2(static_cast<PBE2PARAM*>(
      ::ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter)));
  REQUIRE(pbe2);
  CHECK(::OBJ_obj2nid(pbe2->encryption->algorithm) == NID_aes_256_cbc);
  REQUIRE(::OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2);
  const Pbkdf2Ptr kdf(static_cast<PBKDF2PARAM*>(
      ::ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter)));
  REQUIRE(kdf);
  CHECK(::ASN1_INTEGER_get(kdf->iter) == pki::keys::kPbkdf2Iterations);
  REQUIRE(kdf->prf != nullptr);
  CHECK(::OBJ_obj2nid(kdf->prf->algorithm) == NID_hmacWithSHA256);
  CHECK(kdf->salt->value.octet_string->length == 16);
}

TEST_CASE("a key written without a passphrase is plain PKCS#8") {
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  const pki::Secret pem = pki::keys::to_pkcs8_pem(key.get(), pki::Secret());
  CHECK(pem.view().rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
}
