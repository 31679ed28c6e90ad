// SPDX-License-Identifier: Apache-2.0
// The hand-written DER of crl/der.cpp must be byte-for-byte what OpenSSL encodes.
#include <doctest/doctest.h>
#include <openssl/asn1.h>

#include "crl/der.hpp"
#include "crl_fixture.hpp"

namespace {

using pki::crl::Reason;

// The same entry built by OpenSSL's own encoder.
std::string openssl_entry(const std::string& serial_hex, std::int64_t when, Reason reason) {
  pki::X509RevokedPtr rev(::X509_REVOKED_new());
  BIGNUM* raw = nullptr;
  REQUIRE(::BN_hex2bn(&raw, serial_hex.c_str()) > 0);
  const pki::BnPtr bn(raw);
  const pki::Asn1IntegerPtr serial(::BN_to_ASN1_INTEGER(bn.get(), nullptr));
  REQUIRE(::X509_REVOKED_set_serialNumber(rev.get(), serial.get()) == 1);
  const pki::Asn1TimePtr t(::ASN1_TIME_set(nullptr, static_cast<time_t>(when)));
  REQUIRE(::X509_REVOKED_set_revocationDate(rev.get(), t.get()) == 1);
  if (reason != Reason::unspecified) {
    const pki::Asn1EnumPtr e(::ASN1_ENUMERATED_new());
    REQUIRE(::ASN1_ENUMERATED_set(e.get(), static_cast<int>(reason)) == 1);
    REQUIRE(::X509_REVOKED_add1_ext_i2d(rev.get(), NID_crl_reason, e.get(), 0, 0) == 1);
  }
  unsigned char* der = nullptr;
  const int n = ::i2d_X509_REVOKED(rev.get(), &der);
  REQUIRE(n > 0);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  ::OPENSSL_free(der);
  return out;
}

std::string ours(const std::string& serial_hex, std::int64_t when, Reason reason) {
  std::string out;
  pki::crl::der::append_revoked(out, serial_hex, when, reason);
  return out;
}

}  // namespace

TEST_CASE("a revoked entry is encoded exactly as OpenSSL encodes it") {
  const std::int64_t t2026 = 1795000000;  // 2026, UTCTime
  const std::int64_t t2051 = 2560000000;  // 2051, GeneralizedTime (RFC 5280 §5.1.2.6)
  const std::string serials[] = {
      "6455A19AED4A2E88862FFD1ADB3A4EAB48D96057",  // 20 octets, top bit clear
      "DEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEF",  // top bit set: needs a 00 octet
      "01",
      "7F",
      "80",
      "FF",
      "0100",
      "00FF",
      "0",
      "4000000000000000000000000000000000000000000000000000000000000001",  // 32 octets
  };
  const Reason reasons[] = {Reason::unspecified, Reason::key_compromise,
                            Reason::cessation_of_operation, Reason::privilege_withdrawn,
                            Reason::ca_compromise};
  for (const auto& s : serials) {
    for (const Reason r : reasons) {
      for (const std::int64_t t : {t2026, t2051}) {
        CAPTURE(t);
        CAPTURE(s);
        CHECK(ours(s, t, r) == openssl_entry(s, t, r));
      }
    }
  }
}

TEST_CASE("revocation dates match OpenSSL's Time at every calendar edge") {
  // 1950-01-01 (first UTCTime), 1969-12-31T23:59:59 (negative), the epoch, 1999-12-31,
  // 2000-02-29 (leap century), 2024-02-29, 2049-12-31T23:59:59 (last UTCTime),
  // 2050-01-01 (first GeneralizedTime), 2100-03-01 (non-leap century), 9999-12-31.
  const std::int64_t edges[] = {-631152000, -1,         0,          946684799,  951782400,
                                1709164800, 2524607999, 2524608000, 4107542400, 253402300799};
  for (const std::int64_t t : edges) {
    for (std::int64_t d = -1; d <= 1; ++d) {
      CAPTURE(t + d);
      if (t + d < -631152000 || t + d > 253402300799) continue;
      CHECK(ours("01", t + d, Reason::key_compromise) ==
            openssl_entry("01", t + d, Reason::key_compromise));
    }
  }
  // Every day of a few years, at a second that changes with the day.
  for (std::int64_t day = 0; day < 4 * 366; ++day) {
    const std::int64_t t = 1700000000 + day * 86400 + day * 37 % 86400;
    CHECK(ours("01", t, Reason::unspecified) == openssl_entry("01", t, Reason::unspecified));
  }
}

TEST_CASE("revocation dates before 1950 or after 9999 are refused") {
  std::string out;
  CHECK_THROWS_AS(pki::crl::der::append_revoked(out, "01", -631152001, Reason::unspecified),
                  pki::Error);
  CHECK_THROWS_AS(pki::crl::der::append_revoked(out, "01", 253402300800, Reason::unspecified),
                  pki::Error);
  CHECK(out.empty());
}

TEST_CASE("lowercase serials encode like uppercase ones") {
  CHECK(ours("deadbeef", 1795000000, Reason::superseded) ==
        ours("DEADBEEF", 1795000000, Reason::superseded));
}

TEST_CASE("the unspecified reason leaves the reasonCode extension out (RFC 5280 §5.3.1)") {
  const std::string entry = ours("01", 1795000000, Reason::unspecified);
  // SEQUENCE { INTEGER 01, UTCTime } and nothing else.
  CHECK(entry.size() == 2 + 3 + 15);
}

TEST_CASE("a serial that is not hexadecimal is refused as bad data") {
  std::string out;
  for (const char* bad : {"", "XYZ", "12 34", "-01", "0x01",
                          "000000000000000000000000000000000000000000000000000000000000000001"}) {
    CAPTURE(bad);
    try {
      pki::crl::der::append_revoked(out, bad, 1795000000, Reason::unspecified);
      FAIL("accepted");
    } catch (const pki::Error& e) {
      CHECK(e.code() == pki::Exit::data);
    }
  }
  CHECK(out.empty());
}

TEST_CASE("definite lengths match OpenSSL's for every length form (X.690 §8.1.3)") {
  for (const std::size_t len : {0ul, 1ul, 127ul, 128ul, 255ul, 256ul, 65535ul, 65536ul, 16777215ul,
                                16777216ul, 53000000ul}) {
    CAPTURE(len);
    const int total = ::ASN1_object_size(1, static_cast<int>(len), V_ASN1_SEQUENCE);
    CHECK(pki::crl::der::header_size(len) + len == static_cast<std::size_t>(total));
    std::string hdr;
    pki::crl::der::put_header(hdr, 0x30, len);
    CHECK(hdr.size() == pki::crl::der::header_size(len));
    std::string theirs(static_cast<std::size_t>(total - static_cast<int>(len)), '\0');
    auto* p = reinterpret_cast<unsigned char*>(theirs.data());
    ::ASN1_put_object(&p, 1, static_cast<int>(len), V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
    CHECK(hdr == theirs);
    const auto h = pki::crl::der::read_header(hdr + std::string(len, '\0'), 0);
    CHECK(h.content_len == len);
    CHECK(h.header_len == hdr.size());
  }
}

TEST_CASE("a header that runs past the end is refused") {
  CHECK_THROWS_AS((void)pki::crl::der::read_header(std::string("\x30\x05\x00", 3), 0), pki::Error);
  CHECK_THROWS_AS(
      (void)pki::crl::der::read_header(std::string("\x30\x85\x01\x00\x00\x00\x00", 7), 0),
      pki::Error);
  CHECK_THROWS_AS((void)pki::crl::der::read_header(std::string("\x30", 1), 0), pki::Error);
}

TEST_CASE("reason names follow RFC 5280 and parse in any case") {
  using pki::crl::parse_reason;
  CHECK(parse_reason("keyCompromise") == Reason::key_compromise);
  CHECK(parse_reason("KEYCOMPROMISE") == Reason::key_compromise);
  CHECK(parse_reason("cACompromise") == Reason::ca_compromise);
  CHECK(parse_reason("privilegeWithdrawn") == Reason::privilege_withdrawn);
  CHECK(pki::crl::reason_name(Reason::cessation_of_operation) == "cessationOfOperation");
  try {
    (void)parse_reason("stolen");
    FAIL("accepted");
  } catch (const pki::Error& e) {
    CHECK(e.code() == pki::Exit::usage);
    CHECK(std::string(e.what()).find("keyCompromise") != std::string::npos);
  }
  CHECK_THROWS_AS((void)pki::crl::reason_from_registry("removeFromCRL", "01"), pki::Error);
}
