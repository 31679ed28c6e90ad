// SPDX-License-Identifier: Apache-2.0
// Fuzzes what the gateway does with bytes from the backend, through the very code the
// backend pool runs (gateway/proxy/response_reader, non-coroutine so it builds here):
// ResponseReader fed in socket-sized pieces, end of stream or not, for a HEAD or any
// other request; then clean_response on whatever final response came out. Traps on a
// broken invariant: an interim response taken as final, a connection called reusable
// with bytes after the response, more interim responses than allowed, a body over the
// limit, or framing headers surviving clean_response.
//
// Input: byte 0 = flags (bit 0 HEAD, bit 1 end of stream at the end, bits 2-4 piece
// size: all at once, 1, 2, 7, 64, 512, 4096, 16384 as the pool reads), then the bytes.
#include <boost/beast/http/field.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/proxy/response_reader.hpp"
#include "gateway/proxy/rewrite.hpp"

namespace http = boost::beast::http;
using gw::proxy::ResponseReader;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const unsigned flags = data[0];
  const bool head = (flags & 1u) != 0;
  const bool eof = (flags & 2u) != 0;
  constexpr std::size_t kPieces[] = {0, 1, 2, 7, 64, 512, 4096, 16384};
  const std::size_t piece = kPieces[(flags >> 2) & 7u];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

  ResponseReader reader(head);
  const std::size_t step = piece == 0 ? bytes.size() + 1 : piece;
  for (std::size_t off = 0; off < bytes.size(); off += step) reader.feed(bytes.substr(off, step));
  if (eof) reader.feed_eof();

  if (reader.interim_count() > gw::proxy::kMaxInterim + 1) __builtin_trap();
  if (reader.reusable() &&
      (reader.state() != ResponseReader::State::done || reader.extra_bytes() != 0)) {
    __builtin_trap();
  }
  if (reader.state() != ResponseReader::State::done) return 0;
  gw::proxy::Response res = reader.release();
  const unsigned code = res.result_int();
  if (code >= 100 && code < 200) __builtin_trap();  // an interim response is never final
  if (res.body().size() > gw::proxy::kMaxBackendBody) __builtin_trap();
  if (head && !res.body().empty()) __builtin_trap();
  gw::proxy::clean_response(res);
  if (res.count(http::field::transfer_encoding) != 0 || res.count(http::field::connection) != 0 ||
      res[http::field::content_length] != std::to_string(res.body().size())) {
    __builtin_trap();
  }
  return 0;
}
