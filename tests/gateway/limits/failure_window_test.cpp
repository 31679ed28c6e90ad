// SPDX-License-Identifier: Apache-2.0
// Failure windows cost a fixed amount per client, whatever failure_threshold is.
// Fails before the fix: each client's window was a ring of `threshold` doubles, so 200
// clients at a threshold of 100,000 held 160 MB (the bound below is 2 MB).
#include <doctest/doctest.h>
#include <malloc.h>

#include <boost/asio/ip/address.hpp>

#include "gateway/limits/ban_list.hpp"
#include "gateway/limits/client_key.hpp"

using gw::limits::client_key;

namespace {
// Bytes in use from the heap, mmap'd blocks included (large vectors are mmap'd).
std::size_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}
}  // namespace

TEST_CASE("a failure window's memory per client does not grow with the threshold") {
  const std::size_t before = heap_in_use();
  {
    gw::limits::BanList bans(100'000, 60, 900, 1000);
    for (std::uint32_t i = 0; i < 200; ++i) {
      (void)bans.record_failure(client_key(boost::asio::ip::address_v4(0x0a000000U + i)), 1.0);
    }
    CHECK(bans.size() == 200);
    const std::size_t during = heap_in_use();
    CHECK(during - std::min(during, before) < 2U * 1024 * 1024);
  }
}

TEST_CASE("a huge threshold still bans once that many failures fall inside the window") {
  gw::limits::BanList bans(5000, 60, 900, 16);
  const auto ip = client_key(boost::asio::ip::make_address("127.0.0.9"));
  for (int i = 0; i < 4999; ++i) CHECK_FALSE(bans.record_failure(ip, i * 0.01));
  CHECK(bans.record_failure(ip, 50.0));
  CHECK(bans.banned(ip, 50.5));
}

TEST_CASE("failures older than the window no longer count toward a ban") {
  gw::limits::BanList bans(3, 60, 900, 16);
  const auto ip = client_key(boost::asio::ip::make_address("127.0.0.9"));
  CHECK_FALSE(bans.record_failure(ip, 0.0));
  CHECK_FALSE(bans.record_failure(ip, 1.0));
  CHECK_FALSE(bans.record_failure(ip, 61.0));  // the first two are more than 60 s old
  CHECK_FALSE(bans.record_failure(ip, 62.0));
  CHECK(bans.record_failure(ip, 63.0));  // three within 60 s
}
