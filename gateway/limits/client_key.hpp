// SPDX-License-Identifier: Apache-2.0
#pragma once
// Per-client tables key on the address: IPv4 as is, IPv6 by its /64 (SPEC §5), since
// one IPv6 host usually owns a whole /64 and could otherwise rotate through it.
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace gw::limits {

struct ClientKey {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4, IPv6 /64 in the first 8
  bool v6 = false;

  friend bool operator==(const ClientKey&, const ClientKey&) = default;
};

[[nodiscard]] ClientKey client_key(const boost::asio::ip::address& addr);
// The key of a textual address ("192.0.2.7", "2001:db8::1"); an unparsable one keys as
// the zero address, one shared bucket.
[[nodiscard]] ClientKey client_key(const std::string& ip);
// "192.0.2.7" or "2001:db8:1:2::/64", for logs and metrics.
[[nodiscard]] std::string to_string(const ClientKey& key);

struct ClientKeyHash {
  std::size_t operator()(const ClientKey& k) const noexcept;
};

}  // namespace gw::limits
