// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <boost/asio/ip/address.hpp>

#include "gateway/limits/ban_list.hpp"
#include "gateway/limits/client_key.hpp"
#include "gateway/limits/rate_limiter.hpp"

using boost::asio::ip::make_address;
using gw::limits::client_key;

TEST_CASE("IPv6 clients are grouped by /64, IPv4 and v4-mapped by address") {
  CHECK(client_key(make_address("2001:db8:1:2::1")) ==
        client_key(make_address("2001:db8:1:2:ffff::9")));
  CHECK_FALSE(client_key(make_address("2001:db8:1:2::1")) ==
              client_key(make_address("2001:db8:1:3::1")));
  CHECK(client_key(make_address("::ffff:192.0.2.7")) == client_key(make_address("192.0.2.7")));
  CHECK_FALSE(client_key(make_address("127.0.0.2")) == client_key(make_address("127.0.0.3")));
  CHECK(gw::limits::to_string(client_key(make_address("2001:db8:1:2::1"))) == "2001:db8:1:2::/64");
  CHECK(gw::limits::to_string(client_key(make_address("127.0.0.2"))) == "127.0.0.2");
}

TEST_CASE("a token bucket allows the burst, then the rate, and says when to retry") {
  gw::limits::TokenBuckets buckets(5, 10, 100, 60);
  const auto ip = client_key(make_address("127.0.0.2"));
  for (int i = 0; i < 10; ++i) CHECK(buckets.take(ip, 0.0).allowed);
  const auto refused = buckets.take(ip, 0.0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after == doctest::Approx(0.2));
  CHECK(refused.audit);                       // the first refusal is audited
  CHECK_FALSE(buckets.take(ip, 0.01).audit);  // later ones in the window are not
  CHECK(buckets.take(ip, 0.5).allowed);       // 0.5 s * 5/s = 2.5 tokens back
  CHECK(buckets.take(client_key(make_address("127.0.0.3")), 0.5).allowed);  // others unaffected
  CHECK(buckets.take(ip, 61.0).allowed);
}

TEST_CASE("the per-client tables never grow past their capacity") {
  gw::limits::TokenBuckets buckets(1, 1, 64, 60);
  gw::limits::BanList bans(10, 60, 900, 64);
  for (std::uint32_t i = 0; i < 10000; ++i) {
    const auto ip = client_key(boost::asio::ip::address_v4(0x0a000000U + i));
    (void)buckets.take(ip, 0.0);
    (void)bans.record_failure(ip, 0.0);
  }
  CHECK(buckets.size() == 64);
  CHECK(bans.size() <= 128);
}

TEST_CASE("ten failures inside the window start one ban, which lifts after its duration") {
  gw::limits::BanList bans(10, 60, 900, 1000);
  const auto ip = client_key(make_address("127.0.0.2"));
  int started = 0;
  for (int i = 0; i < 9; ++i) started += bans.record_failure(ip, i * 5.0) ? 1 : 0;
  CHECK(started == 0);
  CHECK_FALSE(bans.banned(ip, 45.0));
  CHECK(bans.record_failure(ip, 50.0));        // the 10th within 60 s
  CHECK_FALSE(bans.record_failure(ip, 51.0));  // already banned: no second IP_BANNED
  CHECK(bans.banned(ip, 51.0));
  CHECK(bans.active_bans(51.0) == 1);
  CHECK_FALSE(bans.banned(client_key(make_address("127.0.0.3")), 51.0));
  CHECK(bans.banned(ip, 949.0));
  CHECK_FALSE(bans.banned(ip, 951.0));
  CHECK(bans.active_bans(951.0) == 0);
}

TEST_CASE("failures spread wider than the window never ban") {
  gw::limits::BanList bans(10, 60, 900, 1000);
  const auto ip = client_key(make_address("127.0.0.2"));
  for (int i = 0; i < 100; ++i) CHECK_FALSE(bans.record_failure(ip, i * 7.0));  // 10 span 63 s
  CHECK_FALSE(bans.banned(ip, 700.0));
}
