// SPDX-License-Identifier: Apache-2.0
#include "gateway/listener/proxy_protocol.hpp"

#include <algorithm>
#include <cstring>

namespace gw::listener {
namespace {

namespace ip = boost::asio::ip;

constexpr std::array<std::uint8_t, 12> kSignature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                     0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::uint8_t kFamilyInet = 0x1;
constexpr std::uint8_t kFamilyInet6 = 0x2;
constexpr std::uint8_t kProtoStream = 0x1;
constexpr std::size_t kInetBlock = 12;   // src 4, dst 4, ports 2 + 2
constexpr std::size_t kInet6Block = 36;  // src 16, dst 16, ports 2 + 2

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

}  // namespace

std::size_t ProxyHeaderReader::need() const {
  if (state_ != State::need_more) return 0;
  if (have_ < kFixed) return kFixed - have_;
  return kFixed + payload_ - have_;
}

std::span<std::uint8_t> ProxyHeaderReader::prepare() {
  return {buf_.data() + have_, need()};
}

void ProxyHeaderReader::commit(std::size_t n) {
  n = std::min(n, need());
  const std::size_t from = have_;
  have_ += n;
  if (from < kFixed) {
    check_prefix(from);
    if (state_ == State::need_more && have_ == kFixed) finish_fixed();
  }
  if (state_ == State::need_more && have_ >= kFixed && have_ == kFixed + payload_) {
    finish_payload();
  }
}

std::size_t ProxyHeaderReader::feed(std::span<const std::uint8_t> bytes) {
  std::size_t used = 0;
  while (state_ == State::need_more && used < bytes.size()) {
    const auto dst = prepare();
    const std::size_t n = std::min(dst.size(), bytes.size() - used);
    std::memcpy(dst.data(), bytes.data() + used, n);
    commit(n);
    used += n;
  }
  return used;
}

void ProxyHeaderReader::refuse(std::string why) {
  state_ = State::refused;
  refusal_ = std::move(why);
}

void ProxyHeaderReader::check_prefix(std::size_t from) {
  const std::size_t end = std::min(have_, kSignature.size());
  for (std::size_t i = from; i < end; ++i) {
    if (buf_[i] == kSignature[i]) continue;
    if (i == 0 && buf_[0] == 'P') {
      return refuse(
          "PROXY protocol v1 (text) header: only v2 is accepted (HAProxy: send-proxy-v2)");
    }
    if (i == 0 && buf_[0] == 0x16) {
      return refuse("TLS without a PROXY protocol header (proxy_protocol is on)");
    }
    return refuse("not a PROXY protocol v2 header");
  }
}

void ProxyHeaderReader::finish_fixed() {
  const std::uint8_t ver_cmd = buf_[12];
  if ((ver_cmd >> 4) != 0x2) return refuse("PROXY protocol version is not 2");
  const std::uint8_t cmd = ver_cmd & 0x0F;
  if (cmd > 0x1) return refuse("unknown PROXY protocol command");
  local_ = cmd == 0x0;
  family_ = buf_[13];
  payload_ = be16(&buf_[14]);
  if (payload_ > kMaxPayload) {
    return refuse("PROXY protocol header of " + std::to_string(kFixed + payload_) +
                  " bytes, more than " + std::to_string(kMaxHeader));
  }
  if (local_) return;  // the address block, if any, is skipped
  const std::uint8_t af = family_ >> 4;
  const std::uint8_t proto = family_ & 0x0F;
  if (af != kFamilyInet && af != kFamilyInet6) {
    return refuse("PROXY command without a TCP/IP client address (UNSPEC or UNIX family)");
  }
  if (proto != kProtoStream) return refuse("PROXY protocol transport is not TCP");
  if (payload_ < (af == kFamilyInet ? kInetBlock : kInet6Block)) {
    return refuse("PROXY protocol address block shorter than its family needs");
  }
}

void ProxyHeaderReader::finish_payload() {
  const std::uint8_t* p = buf_.data() + kFixed;
  std::size_t block = 0;
  if (!local_) {
    if ((family_ >> 4) == kFamilyInet) {
      ip::address_v4::bytes_type b{};
      std::memcpy(b.data(), p, 4);
      source_ = ip::address_v4(b);
      source_port_ = be16(p + 8);
      block = kInetBlock;
    } else {
      ip::address_v6::bytes_type b{};
      std::memcpy(b.data(), p, 16);
      const ip::address_v6 v6(b);
      // A v4-mapped source is its IPv4 address, as for a direct peer.
      source_ =
          v6.is_v4_mapped() ? ip::address(ip::make_address_v4(ip::v4_mapped, v6)) : ip::address(v6);
      source_port_ = be16(p + 32);
      block = kInet6Block;
    }
    if (source_->is_unspecified() || source_->is_multicast()) {
      source_.reset();
      return refuse("PROXY protocol source address is unspecified or multicast");
    }
    // TLVs: type (1), length (2), value; each must end inside the block.
    for (std::size_t at = block; at < payload_;) {
      if (payload_ - at < 3) return refuse("PROXY protocol TLV overruns the header");
      const std::size_t len = be16(p + at + 1);
      if (len > payload_ - at - 3) return refuse("PROXY protocol TLV overruns the header");
      at += 3 + len;
    }
  }
  state_ = State::done;
}

}  // namespace gw::listener
