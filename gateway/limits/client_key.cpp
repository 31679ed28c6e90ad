// SPDX-License-Identifier: Apache-2.0
#include "gateway/limits/client_key.hpp"

#include <cstring>

namespace gw::limits {

ClientKey client_key(const boost::asio::ip::address& addr) {
  ClientKey key;
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    const auto v4 =
        boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6()).to_bytes();
    std::memcpy(key.bytes.data(), v4.data(), v4.size());
  } else if (addr.is_v6()) {
    const auto v6 = addr.to_v6().to_bytes();
    std::memcpy(key.bytes.data(), v6.data(), 8);  // the /64 prefix
    key.v6 = true;
  } else {
    const auto v4 = addr.to_v4().to_bytes();
    std::memcpy(key.bytes.data(), v4.data(), v4.size());
  }
  return key;
}

ClientKey client_key(const std::string& ip) {
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(ip, ec);
  return ec ? ClientKey{} : client_key(addr);
}

std::string to_string(const ClientKey& key) {
  if (!key.v6) {
    boost::asio::ip::address_v4::bytes_type b{};
    std::memcpy(b.data(), key.bytes.data(), b.size());
    return boost::asio::ip::address_v4(b).to_string();
  }
  boost::asio::ip::address_v6::bytes_type b{};
  std::memcpy(b.data(), key.bytes.data(), 8);
  return boost::asio::ip::address_v6(b).to_string() + "/64";
}

std::size_t ClientKeyHash::operator()(const ClientKey& k) const noexcept {
  // FNV-1a over the key; the tables are bounded, so hash flooding costs the attacker
  // only its own slots.
  std::uint64_t h = 1469598103934665603ULL ^ (k.v6 ? 0x9e37U : 0U);
  for (const std::uint8_t b : k.bytes) {
    h ^= b;
    h *= 1099511628211ULL;
  }
  return static_cast<std::size_t>(h);
}

}  // namespace gw::limits
