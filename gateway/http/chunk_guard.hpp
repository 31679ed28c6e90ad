// SPDX-License-Identifier: Apache-2.0
#pragma once
// Beast 1.74's chunked-body parser asserts (BOOST_ASSERT(n >= 5) in parse_chunk_header)
// when a last-chunk section it has begun ("0\r\n…") is offered to put() again with fewer
// than 5 bytes, as happens when bytes arrive one at a time (found by fuzz_session). The
// shortest last-chunk section, "0\r\n\r\n", is 5 bytes and every chunked message ends
// with one, so holding fewer than 5 pending body bytes back delays nothing a message
// needs to complete. Both readers of outside bytes (request_reader, response_reader)
// ask this before every put().
#include <cstddef>

namespace gw::http {

inline constexpr std::size_t kShortestLastChunk = 5;  // "0\r\n\r\n"

template <class Parser>
[[nodiscard]] bool may_offer(const Parser& p, std::size_t pending) {
  return !(p.is_header_done() && p.chunked() && pending < kShortestLastChunk);
}

}  // namespace gw::http
