// SPDX-License-Identifier: Apache-2.0
#pragma once
// The PROXY protocol v2 header (haproxy.org, "The PROXY protocol", section 2.2) that an
// L4 load balancer sends before the client's first byte, sans-IO: the listener reads
// exactly want() bytes at a time, so it never reads into the TLS ClientHello behind it.
//
// Accepted: signature, version 2, command LOCAL (the balancer's own health check: the
// connection keeps the balancer's address) or PROXY over TCP/IPv4 or TCP/IPv6 (the
// client's address and port). Refused, each with its reason: anything that is not the
// v2 signature (a v1 text header "PROXY TCP4 …", a direct TLS ClientHello), another
// version or command, UDP, AF_UNIX or AF_UNSPEC with PROXY (no client address to key
// limits on: it would share the balancer's), an address block shorter than its family
// needs, a length past kMaxPayload, TLVs that overrun the block. TLVs are checked for
// framing only and otherwise ignored. A refusal is decided on the first byte that
// proves it, so a peer cannot hold a slot by sending a wrong prefix slowly.
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace gw::listener {

class ProxyHeaderReader {
 public:
  static constexpr std::size_t kFixed = 16;  // signature, ver/cmd, family, length
  // Address block + TLVs: 216 bytes is the largest address block (AF_UNIX); the rest
  // leaves room for the TLVs balancers add (AWS, GCP, Azure send one to three short ones).
  static constexpr std::size_t kMaxPayload = 512;
  static constexpr std::size_t kMaxHeader = kFixed + kMaxPayload;

  enum class State { need_more, done, refused };

  // The buffer for the next read: exactly the bytes still needed, never more.
  [[nodiscard]] std::span<std::uint8_t> prepare();
  // Takes n bytes read into prepare()'s buffer (n ≤ its size).
  void commit(std::size_t n);
  // Feeds bytes directly (tests, fuzzing); returns how many were consumed: never past
  // the end of the header.
  std::size_t feed(std::span<const std::uint8_t> bytes);

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] const std::string& refusal() const { return refusal_; }
  // done(): the client's address, or nullopt for LOCAL (use the peer's own address).
  [[nodiscard]] const std::optional<boost::asio::ip::address>& source() const { return source_; }
  [[nodiscard]] std::uint16_t source_port() const { return source_port_; }
  [[nodiscard]] std::size_t size() const { return have_; }  // bytes consumed so far

 private:
  [[nodiscard]] std::size_t need() const;
  void check_prefix(std::size_t from);
  void finish_fixed();
  void finish_payload();
  void refuse(std::string why);

  std::array<std::uint8_t, kMaxHeader> buf_{};
  std::size_t have_ = 0;
  std::size_t payload_ = 0;  // from the length field
  bool local_ = false;
  std::uint8_t family_ = 0;
  State state_ = State::need_more;
  std::string refusal_;
  std::optional<boost::asio::ip::address> source_;
  std::uint16_t source_port_ = 0;
};

}  // namespace gw::listener
