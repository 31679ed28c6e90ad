// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the PROXY protocol v2 header reader of the device listener
// (gw::listener::ProxyHeaderReader, the code the accept path runs on every byte a
// balancer sends before TLS). Checks what the listener relies on: the reader never
// consumes more than kMaxHeader bytes nor past the end of the header (the ClientHello
// behind it stays unread), it reaches the same verdict whether the input comes in one
// piece or byte by byte, a refusal always says why, and an accepted PROXY header
// names a usable client address (not unspecified, not multicast, IPv4 for v4-mapped).
//
// The seed corpus (corpus/proxy_protocol/) holds the header HAProxy 2.6's send-proxy-v2
// writes for TCP/IPv4 (followed by a ClientHello's first bytes), and IPv6, LOCAL, TLV,
// AF_UNIX, short-block, v1 text and headerless-TLS cases.
#include <cstddef>
#include <cstdint>
#include <span>

#include "gateway/listener/proxy_protocol.hpp"

using gw::listener::ProxyHeaderReader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  ProxyHeaderReader whole;
  const std::size_t used = whole.feed(in);
  if (used > ProxyHeaderReader::kMaxHeader || used != whole.size()) __builtin_trap();
  if (whole.state() == ProxyHeaderReader::State::need_more && used != size) __builtin_trap();

  ProxyHeaderReader bytes;
  std::size_t used_bytes = 0;
  for (std::size_t i = 0; i < size && bytes.state() == ProxyHeaderReader::State::need_more; ++i) {
    // Through prepare()/commit(), as the listener reads.
    const auto buf = bytes.prepare();
    if (buf.empty()) __builtin_trap();
    buf[0] = data[i];
    bytes.commit(1);
    ++used_bytes;
  }
  // Same verdict; a header ends at the same byte, a refusal comes no later byte by byte
  // (it is decided on the first byte that proves it).
  if (bytes.state() != whole.state() || used_bytes > used) __builtin_trap();
  if (whole.state() == ProxyHeaderReader::State::done && used_bytes != used) __builtin_trap();

  switch (whole.state()) {
    case ProxyHeaderReader::State::refused:
      if (whole.refusal().empty()) __builtin_trap();
      break;
    case ProxyHeaderReader::State::done:
      if (!whole.prepare().empty()) __builtin_trap();
      if (const auto& src = whole.source()) {
        if (src->is_unspecified() || src->is_multicast()) __builtin_trap();
        if (src->is_v6() && src->to_v6().is_v4_mapped()) __builtin_trap();
        if (src->to_string() != bytes.source()->to_string()) __builtin_trap();
      }
      break;
    case ProxyHeaderReader::State::need_more:
      if (whole.prepare().empty()) __builtin_trap();
      break;
  }
  return 0;
}
