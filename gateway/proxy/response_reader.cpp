// SPDX-License-Identifier: Apache-2.0
#include "gateway/proxy/response_reader.hpp"

#include "gateway/http/chunk_guard.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace gw::proxy {

ResponseReader::ResponseReader(bool head_request) : head_request_(head_request) {
  start_message();
}

void ResponseReader::start_message() {
  parser_.emplace();
  // Not eager: Beast 1.74's response parser sets body_limit's error after it has already
  // moved to the body state, and in eager mode it goes on into that state regardless,
  // reserving whatever Content-Length claims (fuzz_backend_response: 7.2e14 bytes).
  // Without eager, put() stops at the end of the header and returns the error; run()
  // feeds the body in further calls.
  parser_->eager(false);
  parser_->body_limit(kMaxBackendBody);
  // What is left of the budget for heads: interim responses cannot add up past it.
  parser_->header_limit(static_cast<std::uint32_t>(kMaxHeadBytes - head_bytes_));
  if (head_request_) parser_->skip(true);
}

void ResponseReader::fail(std::string why) {
  state_ = State::failed;
  error_ = std::move(why);
  pending_.clear();
}

// Feeds the parser until it wants more bytes, ends a message or fails; returns the
// bytes it consumed. One call can see several messages (100 Continue, then the final
// response, both in one read).
std::size_t ResponseReader::run(std::string_view bytes) {
  std::size_t used = 0;
  std::size_t message_start = 0;
  while (state_ == State::need_more) {
    if (!gw::http::may_offer(*parser_, bytes.size() - used)) break;  // http/chunk_guard.hpp
    boost::system::error_code ec;
    const std::size_t n =
        used < bytes.size()
            ? parser_->put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec)
            : 0;
    used += n;
    if (ec == http::error::need_more) break;
    if (ec) {
      fail("malformed response: " + ec.message());
      break;
    }
    if (!parser_->is_done()) {
      if (n == 0) break;
      continue;
    }
    const unsigned code = parser_->get().result_int();
    if (code == 101) {
      fail("101 Switching Protocols, but the gateway never asks for an upgrade");
    } else if (code / 100 == 1) {
      // RFC 9110 §15.2: interim; the final response follows on the same connection.
      ++interim_;
      head_bytes_ += used - message_start;
      message_start = used;
      if (interim_ > kMaxInterim) {
        fail("more than " + std::to_string(kMaxInterim) + " interim responses");
      } else if (head_bytes_ >= kMaxHeadBytes) {
        fail("interim responses larger than the header budget");
      } else {
        start_message();
      }
    } else {
      to_eof_ = parser_->need_eof();
      state_ = State::done;
    }
  }
  return used;
}

void ResponseReader::feed(std::string_view bytes) {
  if (bytes.empty()) return;
  total_ += bytes.size();
  if (state_ != State::need_more) {
    extra_ += bytes.size();
    return;
  }
  if (total_ > kMaxResponseBytes) {
    fail("response larger than the backend response budget");
    return;
  }
  std::string_view rest;
  if (pending_.empty()) {
    rest = bytes.substr(run(bytes));
  } else {
    pending_.append(bytes);
    rest = std::string_view(pending_).substr(run(pending_));
  }
  if (state_ == State::failed) return;
  if (state_ == State::done) {
    extra_ += rest.size();  // an unsolicited second response, or garbage
    pending_.clear();
    return;
  }
  if (rest.size() > kMaxPending) {
    fail("a line of the response is longer than " + std::to_string(kMaxPending) + " bytes");
    return;
  }
  std::string keep(rest);  // `rest` may point into pending_
  pending_ = std::move(keep);
}

void ResponseReader::feed_eof() {
  if (state_ != State::need_more) return;
  if (!parser_->got_some()) {
    fail(total_ == 0 ? "backend closed the connection without answering"
                     : "backend closed the connection inside a response head");
    return;
  }
  boost::system::error_code ec;
  parser_->put_eof(ec);
  if (ec || !parser_->is_done()) {
    fail("backend closed the connection before the response ended");
    return;
  }
  to_eof_ = true;
  state_ = State::done;
}

bool ResponseReader::reusable() const {
  // parser_->keep_alive() covers HTTP/1.0 without keep-alive, Connection: close and a
  // body delimited by end of stream (Beast's need_eof).
  return state_ == State::done && !to_eof_ && extra_ == 0 && pending_.empty() &&
         parser_->keep_alive();
}

Response ResponseReader::release() {
  return parser_->release();
}

Parsed read_response(std::string_view bytes, bool head_request, bool eof, std::size_t piece) {
  ResponseReader reader(head_request);
  const std::size_t step = piece == 0 ? std::max<std::size_t>(bytes.size(), 1) : piece;
  for (std::size_t off = 0; off < bytes.size(); off += step) {
    reader.feed(bytes.substr(off, step));
  }
  if (eof) reader.feed_eof();
  Parsed p{reader.state(), reader.reusable(), reader.interim_count(), reader.error(), {}};
  if (p.state == ResponseReader::State::done) p.response = reader.release();
  return p;
}

}  // namespace gw::proxy
