// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reads HTTP/1.1 requests from bytes, with no I/O of its own (sans-IO): the session, the
// metrics listener and the fuzz target put bytes in; the reader answers "need more",
// "here is a request" or "refuse with this status". Beast's parser does the parsing;
// this class owns the read buffer and holds every request to one byte budget.
//
// The budget counts EVERY byte of a request as it arrives: request line, header fields,
// chunk sizes, chunk extensions, CRLFs, the last chunk and the body. The read buffer
// never offers more space than the budget has left, so memory per connection is bounded
// whatever the framing (Boost 1.74 applies neither header_limit nor body_limit to chunk
// extensions or trailers). Trailer fields are refused (400) on every route, so a field
// such as Authorization can only ever come from the header section.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/http/responses.hpp"

namespace gw::http {

struct ReadLimits {
  std::uint64_t max_header_bytes = 8192;  // request line + fields, as Beast counts them
  std::uint64_t max_body_bytes = 1048576;
};

// Chunk framing (size lines, extensions, CRLFs) allowed on top of the body: 64 KiB is
// 1 MiB of body in 128-byte chunks; smaller chunks than that are refused with 413.
inline constexpr std::uint64_t kFramingAllowance = 64 * 1024;
// The longest chunk-size line (size, extensions, CRLF) or last-chunk section kept
// waiting for its end; longer is refused with 400 before the budget is spent.
inline constexpr std::size_t kMaxChunkLine = 4096;
// Largest single read offered to the socket (one TLS record's worth).
inline constexpr std::size_t kReadSize = 16 * 1024;

// header + body + framing allowance: the most bytes one request may occupy.
[[nodiscard]] std::uint64_t request_budget(const ReadLimits& limits);

// Parser errors a client caused get a status (431, 413, 400); anything that is not a
// parse error of the client's bytes (EOF, need_more, timeouts) gets none.
[[nodiscard]] std::optional<bhttp::status> status_for(const boost::system::error_code& ec);

namespace detail {
// Beast's basic_parser building a request<string_body>, with two changes from
// beast::http::parser: the body grows with the bytes that arrived (no reserve of a
// claimed Content-Length), and a field after the header section (a trailer) is an error.
class Parser final : public bhttp::basic_parser<true> {
 public:
  Request& message() { return msg_; }
  [[nodiscard]] bool saw_trailer() const { return trailer_; }

 private:
  void on_request_impl(bhttp::verb method, std::string_view method_str, std::string_view target,
                       int version, boost::system::error_code& ec) override;
  void on_response_impl(int, std::string_view, int, boost::system::error_code&) override {}
  void on_field_impl(bhttp::field name, std::string_view name_string, std::string_view value,
                     boost::system::error_code& ec) override;
  void on_header_impl(boost::system::error_code&) override { header_ = true; }
  void on_body_init_impl(const boost::optional<std::uint64_t>&,
                         boost::system::error_code&) override {}
  std::size_t on_body_impl(std::string_view body, boost::system::error_code&) override;
  void on_chunk_header_impl(std::uint64_t, std::string_view, boost::system::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, std::string_view body,
                                 boost::system::error_code&) override;
  void on_finish_impl(boost::system::error_code&) override {}

  Request msg_;
  bool header_ = false;
  bool trailer_ = false;
};
}  // namespace detail

class RequestReader {
 public:
  enum class State { need_more, done, refused };
  struct Refusal {
    bhttp::status status = bhttp::status::bad_request;
    std::string reason;  // for logs and tests: "trailer fields", "request budget", …
  };

  explicit RequestReader(ReadLimits limits);

  // Space for the next read: at most kReadSize and never more than the current request's
  // remaining budget. Only valid while state() is need_more.
  [[nodiscard]] boost::asio::mutable_buffer prepare();
  // `n` bytes were written into prepare()'s space: parses what it can.
  State commit(std::size_t n);
  // Copies bytes in as reads would (tests, the fuzz target); returns how many were taken
  // (fewer when the request completes or is refused first; the rest stays the caller's).
  std::size_t feed(std::string_view bytes);

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] bool header_done() const;
  [[nodiscard]] const Refusal& refusal() const { return refusal_; }
  // The finished request (state() done); call next() before reading on.
  [[nodiscard]] Request release();
  // Starts the next request with the bytes already buffered (pipelining); returns the
  // new state, which may already be done or refused.
  State next();
  // Frees the read buffer's memory when it holds no byte (an idle connection keeps none).
  void release_buffer() {
    if (buf_.size() == 0) buf_.shrink_to_fit();
  }
  // Bytes of a following request already read (pipelined input).
  [[nodiscard]] bool buffered() const { return buf_.size() > 0; }
  // Bytes the current request has taken from its budget so far.
  [[nodiscard]] std::uint64_t used() const { return consumed_ + buf_.size(); }
  [[nodiscard]] std::uint64_t budget() const { return budget_; }

 private:
  State parse();
  State refuse(bhttp::status status, std::string reason);

  ReadLimits limits_;
  std::uint64_t budget_;
  std::optional<detail::Parser> parser_;
  boost::beast::flat_buffer buf_;  // bytes read and not yet consumed by the parser
  std::uint64_t consumed_ = 0;     // bytes of the current request the parser consumed
  State state_ = State::need_more;
  Refusal refusal_;
};

}  // namespace gw::http
