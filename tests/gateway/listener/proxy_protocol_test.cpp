// SPDX-License-Identifier: Apache-2.0
// The PROXY protocol v2 header reader of the device listener: what it takes from a
// balancer, what it refuses (and how early), and that it never reads past the header.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/listener/proxy_protocol.hpp"

namespace {

using gw::listener::ProxyHeaderReader;
using State = ProxyHeaderReader::State;
using Bytes = std::vector<std::uint8_t>;

const Bytes kSig = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

// A v2 header: version/command byte, family byte, then `block` as the payload.
Bytes header(std::uint8_t ver_cmd, std::uint8_t family, const Bytes& block) {
  Bytes out = kSig;
  out.push_back(ver_cmd);
  out.push_back(family);
  out.push_back(static_cast<std::uint8_t>(block.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(block.size() & 0xFF));
  out.insert(out.end(), block.begin(), block.end());
  return out;
}

// TCP over IPv4 from 192.0.2.7:40000 to 127.0.0.1:8443, what HAProxy's send-proxy-v2 sends.
const Bytes kInet = {192, 0, 2, 7, 127, 0, 0, 1, 0x9C, 0x40, 0x20, 0xFB};

Bytes inet6(std::uint8_t last, bool mapped = false) {
  Bytes b(36, 0);
  b[0] = 0x20;
  b[1] = 0x01;
  b[2] = 0x0d;
  b[3] = 0xb8;
  if (mapped) {
    b.assign(36, 0);
    b[10] = 0xFF;
    b[11] = 0xFF;
    b[12] = 198;
    b[13] = 51;
    b[14] = 100;
  }
  b[15] = last;
  b[32] = 0x01;
  b[33] = 0xBB;  // port 443
  return b;
}

ProxyHeaderReader read_all(const Bytes& in, std::size_t* used = nullptr) {
  ProxyHeaderReader r;
  const std::size_t n = r.feed(in);
  if (used != nullptr) *used = n;
  return r;
}

}  // namespace

TEST_CASE("a PROXY header over TCP/IPv4 gives the client's address and port") {
  const auto r = read_all(header(0x21, 0x11, kInet));
  REQUIRE(r.state() == State::done);
  REQUIRE(r.source());
  CHECK(r.source()->to_string() == "192.0.2.7");
  CHECK(r.source_port() == 40000);
}

TEST_CASE("a PROXY header over TCP/IPv6 gives the client's address; v4-mapped reads as IPv4") {
  auto r = read_all(header(0x21, 0x21, inet6(9)));
  REQUIRE(r.state() == State::done);
  CHECK(r.source()->to_string() == "2001:db8::9");
  CHECK(r.source_port() == 443);
  r = read_all(header(0x21, 0x21, inet6(9, true)));
  REQUIRE(r.state() == State::done);
  CHECK(r.source()->to_string() == "198.51.100.9");
}

TEST_CASE("the reader stops at the end of the header: the TLS bytes behind it are left") {
  Bytes in = header(0x21, 0x11, kInet);
  const std::size_t header_size = in.size();
  in.insert(in.end(), {0x16, 0x03, 0x01, 0x00, 0xF0});  // a ClientHello's first bytes
  std::size_t used = 0;
  const auto r = read_all(in, &used);
  CHECK(r.state() == State::done);
  CHECK(used == header_size);
  // And prepare() never asks for more than the header still needs.
  ProxyHeaderReader step;
  CHECK(step.prepare().size() == ProxyHeaderReader::kFixed);
  step.feed(Bytes(in.begin(), in.begin() + 16));
  CHECK(step.prepare().size() == kInet.size());
}

TEST_CASE("a header split into single bytes reads the same as one read") {
  const Bytes in = header(0x21, 0x11, kInet);
  ProxyHeaderReader r;
  for (const std::uint8_t b : in) {
    REQUIRE(r.state() == State::need_more);
    r.feed(Bytes{b});
  }
  REQUIRE(r.state() == State::done);
  CHECK(r.source()->to_string() == "192.0.2.7");
}

TEST_CASE("LOCAL (a balancer's health check) is accepted without a client address") {
  auto r = read_all(header(0x20, 0x00, {}));
  CHECK(r.state() == State::done);
  CHECK_FALSE(r.source());
  r = read_all(header(0x20, 0x11, kInet));  // LOCAL may carry a block: ignored
  CHECK(r.state() == State::done);
  CHECK_FALSE(r.source());
}

TEST_CASE("TLVs after the address block are skipped; one that overruns the header is refused") {
  Bytes block = kInet;
  block.insert(block.end(), {0x04, 0x00, 0x02, 'o', 'k', 0x05, 0x00, 0x00});  // two TLVs
  CHECK(read_all(header(0x21, 0x11, block)).state() == State::done);
  Bytes bad = kInet;
  bad.insert(bad.end(), {0x04, 0x00, 0x09, 'x'});  // says 9 bytes, has 1
  const auto r = read_all(header(0x21, 0x11, bad));
  CHECK(r.state() == State::refused);
  CHECK(r.refusal().find("TLV") != std::string::npos);
  Bytes stub = kInet;
  stub.push_back(0x04);  // a TLV type without its length
  CHECK(read_all(header(0x21, 0x11, stub)).state() == State::refused);
}

TEST_CASE("a v1 text header is refused at its first byte, naming v2") {
  ProxyHeaderReader r;
  r.feed(Bytes{'P'});
  CHECK(r.state() == State::refused);
  CHECK(r.refusal().find("v1") != std::string::npos);
  CHECK(r.refusal().find("send-proxy-v2") != std::string::npos);
}

TEST_CASE("a TLS ClientHello without a header is refused at its first byte") {
  ProxyHeaderReader r;
  r.feed(Bytes{0x16});
  CHECK(r.state() == State::refused);
  CHECK(r.refusal().find("TLS") != std::string::npos);
}

TEST_CASE("a signature wrong in its last byte is refused there") {
  Bytes in = kSig;
  in.back() = 0x0B;
  ProxyHeaderReader r;
  CHECK(r.feed(in) == kSig.size());
  CHECK(r.state() == State::refused);
}

TEST_CASE("another version, an unknown command, UDP, UNIX and UNSPEC with PROXY are refused") {
  CHECK(read_all(header(0x11, 0x11, kInet)).state() == State::refused);  // version 1 in binary
  CHECK(read_all(header(0x31, 0x11, kInet)).state() == State::refused);  // version 3
  CHECK(read_all(header(0x22, 0x11, kInet)).state() == State::refused);  // command 2
  CHECK(read_all(header(0x21, 0x12, kInet)).state() == State::refused);  // UDP over IPv4
  CHECK(read_all(header(0x21, 0x31, Bytes(216, 0))).state() == State::refused);  // AF_UNIX
  CHECK(read_all(header(0x21, 0x00, {})).state() == State::refused);  // UNSPEC with PROXY
}

TEST_CASE("an address block shorter than its family needs is refused before it is read") {
  ProxyHeaderReader r;
  const Bytes in = header(0x21, 0x11, Bytes(kInet.begin(), kInet.begin() + 8));
  r.feed(Bytes(in.begin(), in.begin() + 16));  // the fixed part alone decides
  CHECK(r.state() == State::refused);
  CHECK(read_all(header(0x21, 0x21, kInet)).state() == State::refused);  // 12 bytes for IPv6
}

TEST_CASE("a length past the bound is refused at the fixed part, before any payload") {
  Bytes in = kSig;
  in.insert(in.end(), {0x21, 0x11, 0xFF, 0xFF});
  ProxyHeaderReader r;
  CHECK(r.feed(in) == 16);
  CHECK(r.state() == State::refused);
  CHECK(r.refusal().find(std::to_string(ProxyHeaderReader::kMaxHeader)) != std::string::npos);
  // The bound itself is accepted.
  Bytes block = kInet;
  const std::size_t pad = ProxyHeaderReader::kMaxPayload - kInet.size() - 3;
  block.insert(block.end(),
               {0x04, static_cast<std::uint8_t>(pad >> 8), static_cast<std::uint8_t>(pad & 0xFF)});
  block.resize(ProxyHeaderReader::kMaxPayload, 'x');
  CHECK(read_all(header(0x21, 0x11, block)).state() == State::done);
}

TEST_CASE("an unspecified or multicast source address is refused") {
  Bytes zero = kInet;
  zero[0] = zero[1] = zero[2] = zero[3] = 0;
  CHECK(read_all(header(0x21, 0x11, zero)).state() == State::refused);
  Bytes multi = kInet;
  multi[0] = 224;
  CHECK(read_all(header(0x21, 0x11, multi)).state() == State::refused);
}
