// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading one backend response from bytes, without sockets (sans-IO): the backend pool
// feeds it what the socket gives, the fuzz target and the unit tests feed it bytes. It
// decides what the pool must never get wrong (docs/security.md, "Gateway ↔ backend"):
//  * interim responses (1xx other than 101) are consumed, never taken as the final one,
//    at most kMaxInterim of them and kMaxHeadBytes of header bytes in all;
//  * 101 Switching Protocols is refused: the gateway never asks for an upgrade;
//  * every byte is counted against a budget before it is buffered (chunk extensions and
//    trailers included, which Beast 1.74 does not bound);
//  * the connection is reusable only if the final response ended at a boundary its own
//    framing gave (Content-Length or chunked, not end of stream), both sides keep it
//    alive, and not one byte came after it.
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw::proxy {

namespace http = boost::beast::http;
using Response = http::response<http::string_body>;

// Response bodies from the backend are bounded too.
inline constexpr std::uint64_t kMaxBackendBody = 64ULL << 20;
// Interim responses accepted before the final one; one more is a protocol failure.
inline constexpr std::size_t kMaxInterim = 8;
// Header bytes of all the heads of one exchange together (interim and final).
inline constexpr std::size_t kMaxHeadBytes = 64 * 1024;
// Bytes held while the parser waits for the end of a line (chunk size line, trailer):
// anything longer than a head is not a response the gateway wants.
inline constexpr std::size_t kMaxPending = kMaxHeadBytes;
// Every byte of one response: heads, body, chunk framing.
inline constexpr std::uint64_t kMaxResponseBytes = kMaxBackendBody + (1 << 20);

class ResponseReader {
 public:
  enum class State { need_more, done, failed };

  // `head_request`: the response has no body whatever its headers say (RFC 9110 §9.3.2).
  explicit ResponseReader(bool head_request);

  // Takes the next bytes from the backend. Never throws; once done or failed, further
  // bytes only count as "extra" (they make the connection unusable).
  void feed(std::string_view bytes);
  // The backend closed its side: ends a body delimited by end of stream, fails anything
  // unfinished.
  void feed_eof();

  [[nodiscard]] State state() const { return state_; }
  // Why it failed (for the proxy's log line and tests); empty otherwise.
  [[nodiscard]] const std::string& error() const { return error_; }
  // At least one byte arrived (a reused connection that got none may be retried).
  [[nodiscard]] bool got_some() const { return total_ > 0; }
  [[nodiscard]] std::size_t interim_count() const { return interim_; }
  // Bytes that arrived after the final response ended.
  [[nodiscard]] std::uint64_t extra_bytes() const { return extra_; }
  // The connection may carry another request (see above). False unless done.
  [[nodiscard]] bool reusable() const;
  // The final response; valid once done.
  [[nodiscard]] Response release();

 private:
  void start_message();
  std::size_t run(std::string_view bytes);
  void fail(std::string why);

  bool head_request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  State state_ = State::need_more;
  std::string pending_;  // bytes the parser has not consumed yet
  std::string error_;
  std::uint64_t total_ = 0;
  std::uint64_t extra_ = 0;
  std::size_t head_bytes_ = 0;  // header bytes of the interim responses seen so far
  std::size_t interim_ = 0;
  bool to_eof_ = false;  // the final body was delimited by end of stream
};

// Drives a reader over a whole byte string, in `piece`-sized reads as a socket would
// deliver them (0 = all at once), then end of stream if `eof`. For tests and fuzzing.
struct Parsed {
  ResponseReader::State state;
  bool reusable;
  std::size_t interim;
  std::string error;
  Response response;
};
[[nodiscard]] Parsed read_response(std::string_view bytes, bool head_request, bool eof,
                                   std::size_t piece = 0);

}  // namespace gw::proxy
