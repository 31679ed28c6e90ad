// SPDX-License-Identifier: Apache-2.0
#pragma once
// Address ranges from the configuration ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7"):
// the sources trusted to send a PROXY protocol header ([server] proxy_protocol_from) and
// the clients that are never banned ([rate_limit] never_ban). A v4-mapped IPv6 address
// is its IPv4 address here, as everywhere in the limits.
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/limits/client_key.hpp"

namespace gw::limits {

struct Cidr {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4
  bool v6 = false;
  unsigned prefix = 0;  // bits: 0..32 (IPv4) or 0..128 (IPv6)
};

// "ADDR/BITS" or a bare address (all bits). Bits under the prefix must be zero
// ("10.1.0.0/8" is refused: it is almost always a typo). Sets *error when it fails.
[[nodiscard]] std::optional<Cidr> parse_cidr(std::string_view text, std::string* error);
[[nodiscard]] std::string to_string(const Cidr& c);

class CidrSet {
 public:
  CidrSet() = default;
  explicit CidrSet(std::vector<Cidr> ranges) : ranges_(std::move(ranges)) {}
  // Parses every entry; throws pki::Error(config) naming `key` and the bad entry.
  [[nodiscard]] static CidrSet parse(const std::vector<std::string>& texts, std::string_view key);

  [[nodiscard]] bool contains(const boost::asio::ip::address& addr) const;
  // A client key (an IPv4 address or an IPv6 /64) is in the set when a range covers it
  // whole: an IPv6 range longer than /64 never covers a key (see parse-time checks).
  [[nodiscard]] bool contains(const ClientKey& key) const;
  [[nodiscard]] bool empty() const { return ranges_.empty(); }
  [[nodiscard]] const std::vector<Cidr>& ranges() const { return ranges_; }

 private:
  std::vector<Cidr> ranges_;
};

}  // namespace gw::limits
