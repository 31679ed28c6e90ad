// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <set>

#include "core/error.hpp"
#include "pki_fixture.hpp"
#include "x509/csr.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

using pki::x509::is_valid_device_id;

TEST_CASE("device ids follow [A-Za-z0-9][A-Za-z0-9._-]{0,63}") {
  CHECK(is_valid_device_id("a"));
  CHECK(is_valid_device_id("sensor-01.line_2"));
  CHECK(is_valid_device_id(std::string(64, 'x')));
  CHECK_FALSE(is_valid_device_id(std::string(65, 'x')));
  CHECK_FALSE(is_valid_device_id(""));
  CHECK_FALSE(is_valid_device_id("-leading-dash"));
  CHECK_FALSE(is_valid_device_id(".hidden"));
  CHECK_FALSE(is_valid_device_id("dev\r\nX: y"));
  CHECK_FALSE(is_valid_device_id("dev\"1"));
  CHECK_FALSE(is_valid_device_id("dev 1"));
  CHECK_FALSE(is_valid_device_id("d\xc3\xa9v"));  // non-ASCII
  CHECK_FALSE(is_valid_device_id(std::string("dev\0x", 5)));
}

TEST_CASE("serials are positive, at least 128 bits and unique") {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto s = pki::x509::random_serial();
    const std::string hex = pki::x509::serial_hex(s.get());
    CHECK(hex.size() == 40);
    CHECK(hex[0] >= '4');  // top bit clear, next bit set: positive, full length
    CHECK(seen.insert(hex).second);
  }
}

TEST_CASE("serials are normalised to upper-case hex without leading zero bytes") {
  CHECK(pki::x509::normalize_serial("0a1b") == "0A1B");
  CHECK(pki::x509::normalize_serial("00:0a:1b") == "0A1B");
  CHECK(pki::x509::normalize_serial("0xABC") == "0ABC");
  CHECK_THROWS_AS((void)pki::x509::normalize_serial("xyz"), pki::Error);
  CHECK_THROWS_AS((void)pki::x509::normalize_serial(""), pki::Error);
  CHECK_THROWS_AS((void)pki::x509::normalize_serial("1; DROP TABLE certs"), pki::Error);
}

TEST_CASE("a CSR's self-signature is its proof of possession") {
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::X509ReqPtr req(::X509_REQ_new());
  X509_NAME* name = ::X509_REQ_get_subject_name(req.get());
  ::X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("dev-7"), -1, -1, 0);
  ::X509_REQ_set_pubkey(req.get(), key.get());
  REQUIRE(::X509_REQ_sign(req.get(), key.get(), ::EVP_sha256()) > 0);
  unsigned char* der = nullptr;
  const int n = ::i2d_X509_REQ(req.get(), &der);
  std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  ::OPENSSL_free(der);

  const auto csr = pki::x509::parse_csr(bytes, "dev.csr");
  CHECK(csr.common_name == "dev-7");

  std::string broken = bytes;
  broken.back() = static_cast<char>(broken.back() ^ 1);
  CHECK_THROWS_WITH_AS((void)pki::x509::parse_csr(broken, "dev.csr"),
                       doctest::Contains("signature does not verify"), pki::Error);
  CHECK_THROWS_WITH_AS((void)pki::x509::parse_csr(bytes + "x", "dev.csr"),
                       doctest::Contains("trailing bytes"), pki::Error);
  CHECK_THROWS_AS((void)pki::x509::parse_csr("", "dev.csr"), pki::Error);
  CHECK_THROWS_AS((void)pki::x509::parse_csr(bytes.substr(0, 20), "dev.csr"), pki::Error);
}

TEST_CASE("a device certificate never outlives its CA") {
  const auto root = test::make_root();  // 30 days
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  const pki::config::Settings settings;
  const pki::x509::LeafSpec spec{pki::x509::Profile::device, "dev-1", {}, 365};
  const pki::X509Ptr leaf = pki::x509::make_leaf(root, key.get(), spec, settings);
  CHECK(::ASN1_TIME_compare(::X509_get0_notAfter(leaf.get()),
                            ::X509_get0_notAfter(root.cert.get())) <= 0);
  CHECK(::X509_verify(leaf.get(), root.key.get()) == 1);
  CHECK(pki::x509::org_unit(::X509_get_subject_name(leaf.get())) == "IoT Devices");
}

TEST_CASE("server names accept DNS and IP entries only") {
  CHECK(pki::x509::parse_sans("DNS:a.example,IP:127.0.0.1,IP:::1").size() == 3);
  CHECK_THROWS_AS((void)pki::x509::parse_sans("DNS:a,@section"), pki::Error);
  CHECK_THROWS_AS((void)pki::x509::parse_sans("IP:999.1.1.1"), pki::Error);
  CHECK_THROWS_AS((void)pki::x509::parse_sans("URI:http://x"), pki::Error);
  CHECK_THROWS_AS((void)pki::x509::parse_sans("DNS:a b"), pki::Error);
}

TEST_CASE("crl_url and ca_issuers_url put the signer's URLs into a leaf, non-critical") {
  const auto root = test::make_root();
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::config::Settings settings;
  const pki::x509::LeafSpec spec{pki::x509::Profile::device, "dev-1", {}, 30};
  const pki::X509Ptr plain = pki::x509::make_leaf(root, key.get(), spec, settings);
  CHECK(::X509_get_ext_by_NID(plain.get(), NID_crl_distribution_points, -1) < 0);
  CHECK(::X509_get_ext_by_NID(plain.get(), NID_info_access, -1) < 0);

  settings.crl_url = "http://pki.example/crl/{ca}.crl";
  settings.ca_issuers_url = "https://pki.example/ca/{ca}.crt";
  const pki::X509Ptr leaf = pki::x509::make_leaf(root, key.get(), spec, settings);
  const int cdp = ::X509_get_ext_by_NID(leaf.get(), NID_crl_distribution_points, -1);
  const int aia = ::X509_get_ext_by_NID(leaf.get(), NID_info_access, -1);
  REQUIRE(cdp >= 0);
  REQUIRE(aia >= 0);
  CHECK(::X509_EXTENSION_get_critical(::X509_get_ext(leaf.get(), cdp)) == 0);
  CHECK(::X509_EXTENSION_get_critical(::X509_get_ext(leaf.get(), aia)) == 0);
  const std::string name = root.name;
  const auto* points = static_cast<STACK_OF(DIST_POINT)*>(
      ::X509_get_ext_d2i(leaf.get(), NID_crl_distribution_points, nullptr, nullptr));
  REQUIRE(points != nullptr);
  const DIST_POINT* dp = sk_DIST_POINT_value(points, 0);
  const GENERAL_NAME* gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0);
  REQUIRE(gn->type == GEN_URI);
  const ASN1_IA5STRING* uri = gn->d.uniformResourceIdentifier;
  CHECK(std::string(reinterpret_cast<const char*>(uri->data),
                    static_cast<std::size_t>(uri->length)) ==
        "http://pki.example/crl/" + name + ".crl");
  sk_DIST_POINT_pop_free(const_cast<STACK_OF(DIST_POINT)*>(points), DIST_POINT_free);
}

TEST_CASE("URL templates need http(s), one {ca}, a host and URL characters only") {
  using pki::config::check_url_template;
  CHECK(check_url_template("").empty());
  CHECK(check_url_template("http://pki.example/crl/{ca}.crl").empty());
  CHECK(check_url_template("https://[::1]:8443/{ca}.crt").empty());
  CHECK(check_url_template("ldap://x/{ca}").find("http://") != std::string::npos);
  CHECK(check_url_template("http://x/crl.crl").find("{ca}") != std::string::npos);
  CHECK(check_url_template("http://x/{ca}{ca}").find("{ca}") != std::string::npos);
  CHECK_FALSE(check_url_template("http://x/{ca},URI:http://y").empty());
  CHECK_FALSE(check_url_template("http://x/{ca}\n").empty());
  CHECK_FALSE(check_url_template("http://x/\xc3\xa9/{ca}").empty());
  CHECK_FALSE(check_url_template("http:///{ca}").empty());
  CHECK(pki::config::expand_url_template("http://x/{ca}.crl", "iss1") == "http://x/iss1.crl");
}
