// SPDX-License-Identifier: Apache-2.0
// What the admin endpoints and the allow-list need from the ban list: never_ban ranges
// are never banned, bans can be listed with their reason and lifted, and lifting also
// forgets the failure window.
#include <doctest/doctest.h>

#include <boost/asio/ip/address.hpp>

#include "gateway/admin/requests.hpp"
#include "gateway/limits/ban_list.hpp"

using boost::asio::ip::make_address;
using gw::limits::BanList;
using gw::limits::CidrSet;
using gw::limits::client_key;

TEST_CASE("a client in never_ban is never banned, however often it fails") {
  BanList bans(3, 60, 900, 64);
  bans.set_never_ban(CidrSet::parse({"192.0.2.0/24", "2001:db8:1::/48"}, "k"));
  for (const char* ip : {"192.0.2.9", "2001:db8:1:5::1"}) {
    const auto key = client_key(make_address(ip));
    for (int i = 0; i < 10; ++i) CHECK_FALSE(bans.record_failure(key, i, "AUTH_NO_CERT"));
    CHECK_FALSE(bans.banned(key, 10));
  }
  const auto other = client_key(make_address("192.0.3.9"));
  CHECK_FALSE(bans.record_failure(other, 0));
  CHECK_FALSE(bans.record_failure(other, 1));
  CHECK(bans.record_failure(other, 2));
  CHECK(bans.banned(other, 3));
}

TEST_CASE("the ban list names each ban's client, end and the failure that started it") {
  BanList bans(2, 60, 900, 64);
  const auto a = client_key(make_address("192.0.2.1"));
  const auto b = client_key(make_address("2001:db8:7:8::1"));
  bans.record_failure(b, 0, "JWT_BAD_SIGNATURE");
  bans.record_failure(b, 1, "JWT_BAD_SIGNATURE");
  bans.record_failure(a, 0, "AUTH_NO_CERT");
  bans.record_failure(a, 0.5, "CERT_OU_MISMATCH");
  const auto list = bans.list(10);
  REQUIRE(list.size() == 2);
  CHECK(gw::limits::to_string(list[0].key) == "192.0.2.1");  // ends first
  CHECK(list[0].until == doctest::Approx(900.5));
  CHECK(list[0].reason == "2 failures within 60s, the last CERT_OU_MISMATCH");
  CHECK(gw::limits::to_string(list[1].key) == "2001:db8:7:8::/64");
  CHECK(bans.list(902).empty());  // both over
}

TEST_CASE("lifting a ban serves the client again and restarts its failure count") {
  BanList bans(2, 60, 900, 64);
  const auto a = client_key(make_address("192.0.2.1"));
  bans.record_failure(a, 0);
  bans.record_failure(a, 1);
  REQUIRE(bans.banned(a, 2));
  CHECK(bans.lift(a, 2));
  CHECK_FALSE(bans.banned(a, 2));
  CHECK_FALSE(bans.lift(a, 2));            // nothing left to lift
  CHECK_FALSE(bans.record_failure(a, 3));  // one failure after the lift: not banned
  CHECK(bans.record_failure(a, 4));
}

TEST_CASE("an unban body names one address; IPv6 by address or by its /64") {
  std::string error;
  auto r = gw::admin::parse_unban(R"({"address":"192.0.2.7"})", &error);
  REQUIRE(r);
  CHECK(r->address == "192.0.2.7");
  r = gw::admin::parse_unban(R"({"address":"2001:db8:1:2::/64"})", &error);
  REQUIRE(r);
  CHECK(client_key(r->address) == client_key(make_address("2001:db8:1:2::99")));
  for (const char* bad : {"", "[]", R"({"address":7})", R"({"address":"host"})",
                          R"({"address":"192.0.2.7/64"})", R"({"addr":"192.0.2.7"})"}) {
    CAPTURE(bad);
    CHECK_FALSE(gw::admin::parse_unban(bad, &error));
    CHECK_FALSE(error.empty());
  }
}
