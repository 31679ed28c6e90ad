// SPDX-License-Identifier: Apache-2.0
// Connection caps per client (an IPv6 /64 counts as one client) and the ban list's
// notification that reaches a banned client's open connections.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "gateway/limits/ban_list.hpp"
#include "gateway/server/connections.hpp"

namespace {

struct Counting : gw::server::Drainable {
  int drained = 0;
  void drain() override { ++drained; }
};

}  // namespace

TEST_CASE("the per-client connection cap counts an IPv6 /64 as one client") {
  gw::server::Connections conns(100, 2);
  CHECK(conns.admit("2001:db8:1:2::1"));
  CHECK(conns.admit("2001:db8:1:2::2"));
  CHECK_FALSE(conns.admit("2001:db8:1:2:ffff::3"));  // same /64, other address
  CHECK(conns.admit("2001:db8:1:3::1"));             // another /64
  CHECK(conns.count("2001:db8:1:2::99") == 2);
  conns.release("2001:db8:1:2::1");
  CHECK(conns.admit("2001:db8:1:2::7"));
  CHECK(conns.active() == 3);
}

TEST_CASE("the per-client connection cap counts IPv4 addresses one by one") {
  gw::server::Connections conns(100, 1);
  CHECK(conns.admit("127.0.0.2"));
  CHECK_FALSE(conns.admit("127.0.0.2"));
  CHECK(conns.admit("127.0.0.3"));
  CHECK_FALSE(conns.admit("::ffff:127.0.0.3"));  // v4-mapped is the same client
}

TEST_CASE("the total cap holds across clients") {
  gw::server::Connections conns(2, 10);
  CHECK(conns.admit("127.0.0.2"));
  CHECK(conns.admit("127.0.0.3"));
  CHECK_FALSE(conns.admit("127.0.0.4"));
}

TEST_CASE("closing a client drains only that client's sessions, its whole /64") {
  gw::server::Connections conns(100, 10);
  std::vector<std::shared_ptr<Counting>> s;
  const char* ips[] = {"2001:db8::1", "2001:db8::2", "2001:db8:0:1::1", "127.0.0.2"};
  for (const char* ip : ips) {
    REQUIRE(conns.admit(ip));
    s.push_back(std::make_shared<Counting>());
    (void)conns.attach(s.back(), ip);
  }
  conns.close_client(gw::limits::client_key(std::string("2001:db8::77")));
  CHECK(s[0]->drained == 1);
  CHECK(s[1]->drained == 1);
  CHECK(s[2]->drained == 0);
  CHECK(s[3]->drained == 0);
}

TEST_CASE("the ban list tells its observer once, when a ban starts") {
  gw::limits::BanList bans(3, 60, 900, 100);
  std::vector<gw::limits::ClientKey> told;
  bans.set_observer([&](const gw::limits::ClientKey& k) { told.push_back(k); });
  const auto key = gw::limits::client_key(std::string("127.0.0.9"));
  CHECK_FALSE(bans.record_failure(key, 1));
  CHECK_FALSE(bans.record_failure(key, 2));
  CHECK(told.empty());
  CHECK(bans.record_failure(key, 3));
  REQUIRE(told.size() == 1);
  CHECK(told[0] == key);
  CHECK_FALSE(bans.record_failure(key, 4));  // already banned: no second notice
  CHECK(told.size() == 1);
}
