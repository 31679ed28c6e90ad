// SPDX-License-Identifier: Apache-2.0
// Address ranges of the configuration (proxy_protocol_from, never_ban): parsing, and
// membership of addresses and of the limits' client keys.
#include <doctest/doctest.h>

#include <boost/asio/ip/address.hpp>
#include <string>

#include "core/error.hpp"
#include "gateway/limits/cidr.hpp"

using boost::asio::ip::make_address;
using gw::limits::CidrSet;
using gw::limits::client_key;
using gw::limits::parse_cidr;

TEST_CASE("ranges parse as ADDR/BITS or a bare address, in IPv4 and IPv6") {
  std::string error;
  REQUIRE(parse_cidr("10.0.0.0/8", &error));
  CHECK(gw::limits::to_string(*parse_cidr("10.0.0.0/8", &error)) == "10.0.0.0/8");
  CHECK(parse_cidr("192.0.2.7", &error)->prefix == 32);
  CHECK(parse_cidr("2001:db8::/32", &error)->v6);
  CHECK(parse_cidr("::1", &error)->prefix == 128);
  CHECK(parse_cidr("0.0.0.0/0", &error)->prefix == 0);
}

TEST_CASE("a malformed range is refused with a reason") {
  std::string error;
  for (const char* bad :
       {"", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0/8",
        "host.example/8", "10.0.0.0/8/8", "10.0.0.0/-1", "fe80::1%1/128"}) {
    CAPTURE(bad);
    error.clear();
    CHECK_FALSE(parse_cidr(bad, &error));
    CHECK_FALSE(error.empty());
  }
  CHECK_FALSE(parse_cidr("10.1.0.0/8", &error));  // bits past the prefix: a typo
  CHECK(error.find("10.0.0.0/8") != std::string::npos);
  CHECK_THROWS_AS((void)CidrSet::parse({"10.0.0.0/8", "nope"}, "server.proxy_protocol_from"),
                  pki::Error);
}

TEST_CASE("an address is in the set when a range of its family covers it") {
  const CidrSet set = CidrSet::parse({"127.0.0.1", "10.0.0.0/8", "2001:db8:1::/48"}, "k");
  CHECK(set.contains(make_address("127.0.0.1")));
  CHECK_FALSE(set.contains(make_address("127.0.0.2")));
  CHECK(set.contains(make_address("10.255.1.2")));
  CHECK_FALSE(set.contains(make_address("11.0.0.1")));
  CHECK(set.contains(make_address("::ffff:10.1.2.3")));  // v4-mapped reads as IPv4
  CHECK(set.contains(make_address("2001:db8:1:ffff::1")));
  CHECK_FALSE(set.contains(make_address("2001:db8:2::1")));
  CHECK_FALSE(CidrSet{}.contains(make_address("127.0.0.1")));
}

TEST_CASE("a client key is covered only by a range that holds its whole /64") {
  const CidrSet set = CidrSet::parse({"2001:db8:1::/48", "2001:db8:9::1/128", "192.0.2.0/24"}, "k");
  CHECK(set.contains(client_key(make_address("2001:db8:1:2::7"))));
  // A /128 cannot cover a /64 key: the other addresses of that /64 are not listed.
  CHECK_FALSE(set.contains(client_key(make_address("2001:db8:9::1"))));
  CHECK(set.contains(client_key(make_address("192.0.2.200"))));
  CHECK_FALSE(set.contains(client_key(make_address("192.0.3.1"))));
}
