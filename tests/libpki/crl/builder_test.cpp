// SPDX-License-Identifier: Apache-2.0
// The streaming builder's CRLs: what OpenSSL reads back from them.
#include <doctest/doctest.h>

#include "crl/builder.hpp"
#include "crl/der.hpp"
#include "crl/parse.hpp"
#include "crl_fixture.hpp"

namespace {

using pki::crl::Reason;

constexpr std::int64_t kNow = 1795000000;

std::int64_t crl_number(X509_CRL* crl) {
  int crit = -1;
  const pki::Asn1IntegerPtr n(
      static_cast<ASN1_INTEGER*>(::X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, nullptr)));
  REQUIRE(n);
  CHECK(crit == 0);  // non-critical (RFC 5280 §5.2.3)
  std::int64_t v = 0;
  REQUIRE(::ASN1_INTEGER_get_int64(&v, n.get()) == 1);
  return v;
}

int reason_of(X509_REVOKED* rev) {
  int crit = -1;
  const pki::Asn1EnumPtr e(static_cast<ASN1_ENUMERATED*>(
      ::X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, nullptr)));
  return e ? static_cast<int>(::ASN1_ENUMERATED_get(e.get())) : -1;
}

std::string reencoded(X509_CRL* crl) {
  unsigned char* der = nullptr;
  const int n = ::i2d_re_X509_CRL_tbs(crl, &der);
  REQUIRE(n > 0);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  ::OPENSSL_free(der);
  return out;
}

}  // namespace

TEST_CASE("an empty CRL is v2, signed, with AKI and CRL Number and no revoked list") {
  const auto root = revtest::make_root();
  pki::crl::CrlBuilder b(root, {7, kNow, kNow + 7 * 86400});
  const std::string der = b.finish();
  const auto crl = revtest::parse_der(der);
  CHECK(::X509_CRL_get_version(crl.get()) == X509_CRL_VERSION_2);
  CHECK(::X509_CRL_verify(crl.get(), ::X509_get0_pubkey(root.cert.get())) == 1);
  CHECK(crl_number(crl.get()) == 7);
  CHECK(::X509_CRL_get_REVOKED(crl.get()) == nullptr);  // absent, not empty (RFC 5280 §5.1.2.6)
  CHECK(pki::x509::to_unix(::X509_CRL_get0_lastUpdate(crl.get())) == kNow);
  CHECK(pki::x509::to_unix(::X509_CRL_get0_nextUpdate(crl.get())) == kNow + 7 * 86400);
  CHECK(::X509_NAME_cmp(::X509_CRL_get_issuer(crl.get()),
                        ::X509_get_subject_name(root.cert.get())) == 0);
  int crit = -1;
  const pki::AuthKeyIdPtr akid(static_cast<AUTHORITY_KEYID*>(
      ::X509_CRL_get_ext_d2i(crl.get(), NID_authority_key_identifier, &crit, nullptr)));
  REQUIRE(akid);
  REQUIRE(akid->keyid != nullptr);
  CHECK(::ASN1_OCTET_STRING_cmp(akid->keyid, ::X509_get0_subject_key_id(root.cert.get())) == 0);
}

TEST_CASE("entries keep their serial, date and reason, and the DER is canonical") {
  const auto root = revtest::make_root();
  pki::crl::CrlBuilder b(root, {1, kNow, kNow + 86400}, 3);
  b.add("0A", kNow - 10, Reason::key_compromise);
  b.add("DEADBEEF", kNow - 20, Reason::unspecified);
  b.add("6455a19aed4a2e88862ffd1adb3a4eab48d96057", kNow - 30, Reason::cessation_of_operation);
  CHECK(b.entries() == 3);
  const std::string der = b.finish();
  const auto crl = revtest::parse_der(der);
  CHECK(::X509_CRL_verify(crl.get(), ::X509_get0_pubkey(root.cert.get())) == 1);
  const STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl.get());
  REQUIRE(sk_X509_REVOKED_num(revoked) == 3);
  X509_REVOKED* r0 = sk_X509_REVOKED_value(revoked, 0);
  CHECK(pki::x509::serial_hex(::X509_REVOKED_get0_serialNumber(r0)) == "0A");
  CHECK(pki::x509::to_unix(::X509_REVOKED_get0_revocationDate(r0)) == kNow - 10);
  CHECK(reason_of(r0) == 1);
  CHECK(reason_of(sk_X509_REVOKED_value(revoked, 1)) == -1);
  X509_REVOKED* r2 = sk_X509_REVOKED_value(revoked, 2);
  CHECK(pki::x509::serial_hex(::X509_REVOKED_get0_serialNumber(r2)) ==
        "6455A19AED4A2E88862FFD1ADB3A4EAB48D96057");
  CHECK(reason_of(r2) == 5);
  // OpenSSL re-encoding the parsed TBS reproduces our bytes: nothing non-canonical.
  const std::string tbs = reencoded(crl.get());
  CHECK(der.find(tbs) == pki::crl::der::read_header(der, 0).header_len);
  // A lookup as a verifier does it finds the entry.
  X509_REVOKED* found = nullptr;
  const pki::Asn1IntegerPtr want(::s2i_ASN1_INTEGER(nullptr, "0xDEADBEEF"));
  CHECK(::X509_CRL_get0_by_serial(crl.get(), &found, want.get()) == 1);
}

TEST_CASE("a CRL of 50,000 entries parses, verifies and counts right") {
  const auto root = revtest::make_root();
  pki::crl::CrlBuilder b(root, {3, kNow, kNow + 86400}, 50000);
  char serial[48];
  for (int i = 0; i < 50000; ++i) {
    std::snprintf(serial, sizeof serial, "40%038X", i);
    b.add(serial, kNow - i, static_cast<Reason>(i % 7));
  }
  const std::string der = b.finish();
  const auto crl = revtest::parse_der(der);
  CHECK(::X509_CRL_verify(crl.get(), ::X509_get0_pubkey(root.cert.get())) == 1);
  CHECK(sk_X509_REVOKED_num(::X509_CRL_get_REVOKED(crl.get())) == 50000);
  std::vector<pki::X509Ptr> cas;
  cas.push_back(pki::X509Ptr(::X509_dup(root.cert.get())));
  const auto facts = pki::crl::check_crl(crl.get(), cas, "test");
  CHECK(facts.entries == 50000);
  CHECK(::BN_get_word(facts.number.get()) == 3);
}

TEST_CASE("P-384 CAs sign with SHA-384 and RSA CAs with SHA-256") {
  SUBCASE("P-384") {
    const auto root = revtest::make_root(pki::keys::KeyType::ec_p384);
    pki::crl::CrlBuilder b(root, {1, kNow, kNow + 86400});
    b.add("01", kNow, Reason::superseded);
    const auto crl = revtest::parse_der(b.finish());
    CHECK(::X509_CRL_get_signature_nid(crl.get()) == NID_ecdsa_with_SHA384);
    CHECK(::X509_CRL_verify(crl.get(), ::X509_get0_pubkey(root.cert.get())) == 1);
  }
  SUBCASE("RSA-4096") {
    const auto root = revtest::make_root(pki::keys::KeyType::rsa4096);
    pki::crl::CrlBuilder b(root, {1, kNow, kNow + 86400});
    b.add("01", kNow, Reason::superseded);
    const auto crl = revtest::parse_der(b.finish());
    CHECK(::X509_CRL_get_signature_nid(crl.get()) == NID_sha256WithRSAEncryption);
    CHECK(::X509_CRL_verify(crl.get(), ::X509_get0_pubkey(root.cert.get())) == 1);
  }
}

TEST_CASE("times past 2049 are GeneralizedTime and still parse") {
  const auto root = revtest::make_root();
  const std::int64_t t2051 = 2560000000;
  pki::crl::CrlBuilder b(root, {1, t2051, t2051 + 86400});
  b.add("01", t2051, Reason::key_compromise);
  const auto crl = revtest::parse_der(b.finish());
  CHECK(::ASN1_STRING_type(::X509_CRL_get0_lastUpdate(crl.get())) == V_ASN1_GENERALIZEDTIME);
  CHECK(pki::x509::to_unix(::X509_CRL_get0_nextUpdate(crl.get())) == t2051 + 86400);
  CHECK(::X509_CRL_verify(crl.get(), ::X509_get0_pubkey(root.cert.get())) == 1);
}

TEST_CASE("the builder refuses bad fields before it signs anything") {
  const auto root = revtest::make_root();
  CHECK_THROWS_AS(pki::crl::CrlBuilder(root, {0, kNow, kNow + 1}), pki::Error);
  CHECK_THROWS_AS(pki::crl::CrlBuilder(root, {1, kNow, kNow}), pki::Error);
  pki::crl::CrlBuilder b(root, {1, kNow, kNow + 1});
  CHECK_THROWS_AS(b.add("not-hex", kNow, Reason::unspecified), pki::Error);
  CHECK(b.entries() == 0);
  (void)b.finish();
  CHECK_THROWS_AS((void)b.finish(), pki::Error);
  CHECK_THROWS_AS(b.add("01", kNow, Reason::unspecified), pki::Error);
}

TEST_CASE("a key that does not match the CA certificate yields no CRL") {
  auto root = revtest::make_root();
  root.key = pki::keys::generate(pki::keys::KeyType::ec_p256);  // the wrong key
  pki::crl::CrlBuilder b(root, {1, kNow, kNow + 86400});
  b.add("01", kNow, Reason::key_compromise);
  try {
    (void)b.finish();
    FAIL("signed with a mismatched key");
  } catch (const pki::Error& e) {
    CHECK(e.code() == pki::Exit::internal);
  }
}

TEST_CASE("PEM armour is RFC 7468: 64-column lines between X509 CRL markers") {
  const auto root = revtest::make_root();
  pki::crl::CrlBuilder b(root, {1, kNow, kNow + 86400});
  for (int i = 1; i < 40; ++i) b.add(std::to_string(i * 11), kNow, Reason::superseded);
  const std::string der = b.finish();
  const std::string pem = pki::crl::der_to_pem(der);
  CHECK(pem.rfind("-----BEGIN X509 CRL-----\n", 0) == 0);
  CHECK(pem.size() > 24);
  CHECK(pem.substr(pem.size() - 23) == "-----END X509 CRL-----\n");
  std::size_t start = pem.find('\n') + 1;
  while (true) {
    const std::size_t end = pem.find('\n', start);
    const std::string line = pem.substr(start, end - start);
    if (line.rfind("-----END", 0) == 0) break;
    CHECK(line.size() <= 64);
    start = end + 1;
  }
  const auto parsed = pki::crl::crls_from_bytes(pem, "pem");
  REQUIRE(parsed.size() == 1);
  unsigned char* back = nullptr;
  const int n = ::i2d_X509_CRL(parsed[0].get(), &back);
  CHECK(std::string(reinterpret_cast<char*>(back), static_cast<std::size_t>(n)) == der);
  ::OPENSSL_free(back);
}
