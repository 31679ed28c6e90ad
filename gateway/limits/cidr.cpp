// SPDX-License-Identifier: Apache-2.0
#include "gateway/limits/cidr.hpp"

#include <charconv>
#include <cstring>

#include "core/error.hpp"

namespace gw::limits {
namespace {

namespace ip = boost::asio::ip;

// True when the first `bits` bits of a and b agree.
bool prefix_matches(const std::uint8_t* a, const std::uint8_t* b, unsigned bits) {
  const unsigned whole = bits / 8;
  if (std::memcmp(a, b, whole) != 0) return false;
  const unsigned rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFFU << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

Cidr from_address(const ip::address& addr) {
  Cidr c;
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    const auto v4 = ip::make_address_v4(ip::v4_mapped, addr.to_v6()).to_bytes();
    std::memcpy(c.bytes.data(), v4.data(), 4);
    c.prefix = 32;
  } else if (addr.is_v6()) {
    const auto v6 = addr.to_v6().to_bytes();
    std::memcpy(c.bytes.data(), v6.data(), 16);
    c.v6 = true;
    c.prefix = 128;
  } else {
    const auto v4 = addr.to_v4().to_bytes();
    std::memcpy(c.bytes.data(), v4.data(), 4);
    c.prefix = 32;
  }
  return c;
}

}  // namespace

std::optional<Cidr> parse_cidr(std::string_view text, std::string* error) {
  const auto fail = [&](std::string why) -> std::optional<Cidr> {
    if (error != nullptr) *error = "'" + std::string(text) + "': " + std::move(why);
    return std::nullopt;
  };
  if (text.empty() || text.size() > 64) return fail("not an address range");
  const auto slash = text.find('/');
  boost::system::error_code ec;
  const auto addr = ip::make_address(std::string(text.substr(0, slash)), ec);
  if (ec) return fail("not an IP address");
  if (addr.is_v6() && addr.to_v6().scope_id() != 0) return fail("scope ids are not accepted");
  Cidr c = from_address(addr);
  if (slash != std::string_view::npos) {
    const std::string_view bits = text.substr(slash + 1);
    unsigned n = 0;
    const auto res = std::from_chars(bits.data(), bits.data() + bits.size(), n);
    if (bits.empty() || bits.size() > 3 || res.ec != std::errc{} ||
        res.ptr != bits.data() + bits.size()) {
      return fail("the prefix length must be a number");
    }
    // A v4-mapped address takes IPv4 prefix lengths only when written as IPv4.
    const unsigned max = c.v6 ? 128 : 32;
    if (n > max) return fail("the prefix length must be at most " + std::to_string(max));
    c.prefix = n;
    Cidr masked = c;
    for (unsigned i = n; i < max; ++i)
      masked.bytes[i / 8] &= static_cast<std::uint8_t>(~(0x80U >> (i % 8)));
    if (masked.bytes != c.bytes)
      return fail("bits set past the prefix (did you mean " + to_string(masked) + "?)");
  }
  return c;
}

std::string to_string(const Cidr& c) {
  if (!c.v6) {
    ip::address_v4::bytes_type b{};
    std::memcpy(b.data(), c.bytes.data(), 4);
    return ip::address_v4(b).to_string() + "/" + std::to_string(c.prefix);
  }
  ip::address_v6::bytes_type b{};
  std::memcpy(b.data(), c.bytes.data(), 16);
  return ip::address_v6(b).to_string() + "/" + std::to_string(c.prefix);
}

CidrSet CidrSet::parse(const std::vector<std::string>& texts, std::string_view key) {
  std::vector<Cidr> out;
  for (const auto& t : texts) {
    std::string error;
    const auto c = parse_cidr(t, &error);
    if (!c) throw pki::Error(pki::Exit::config, std::string(key) + ": " + error);
    out.push_back(*c);
  }
  return CidrSet(std::move(out));
}

bool CidrSet::contains(const ip::address& addr) const {
  const Cidr a = from_address(addr);
  for (const Cidr& r : ranges_) {
    if (r.v6 == a.v6 && prefix_matches(r.bytes.data(), a.bytes.data(), r.prefix)) return true;
  }
  return false;
}

bool CidrSet::contains(const ClientKey& key) const {
  for (const Cidr& r : ranges_) {
    if (r.v6 != key.v6 || (r.v6 && r.prefix > 64)) continue;
    if (prefix_matches(r.bytes.data(), key.bytes.data(), r.prefix)) return true;
  }
  return false;
}

}  // namespace gw::limits
