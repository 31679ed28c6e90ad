// SPDX-License-Identifier: Apache-2.0
#include "gateway/http/request_reader.hpp"

#include "gateway/http/chunk_guard.hpp"

#include <boost/beast/http/error.hpp>
#include <cstring>

namespace gw::http {

std::uint64_t request_budget(const ReadLimits& limits) {
  return limits.max_header_bytes + limits.max_body_bytes + kFramingAllowance;
}

std::optional<bhttp::status> status_for(const boost::system::error_code& ec) {
  if (ec == bhttp::error::header_limit) return bhttp::status::request_header_fields_too_large;
  if (ec == bhttp::error::body_limit) return bhttp::status::payload_too_large;
  if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
      ec != bhttp::error::need_more) {
    return bhttp::status::bad_request;
  }
  return std::nullopt;
}

namespace detail {

void Parser::on_request_impl(bhttp::verb method, std::string_view method_str,
                             std::string_view target, int version, boost::system::error_code& ec) {
  // Beast's fields store offsets in 16 bits and throw past them; a limit, not a bug.
  try {
    msg_.target(target);
    if (method != bhttp::verb::unknown) {
      msg_.method(method);
    } else {
      msg_.method_string(method_str);
    }
    msg_.version(version);
  } catch (const std::exception&) {
    ec = bhttp::error::header_limit;
  }
}

void Parser::on_field_impl(bhttp::field name, std::string_view name_string, std::string_view value,
                           boost::system::error_code& ec) {
  if (header_) {
    // RFC 9112 §7.1.2: trailer fields are optional to process; we refuse them so a
    // trailer can never add a field (Authorization, X-Device-ID …) after the checks.
    trailer_ = true;
    ec = bhttp::error::bad_field;
    return;
  }
  try {
    msg_.insert(name, name_string, value);
  } catch (const std::exception&) {
    ec = bhttp::error::header_limit;
  }
}

std::size_t Parser::on_body_impl(std::string_view body, boost::system::error_code&) {
  // Grows with what arrived; Beast's limit already checked the declared length.
  msg_.body().append(body.data(), body.size());
  return body.size();
}

std::size_t Parser::on_chunk_body_impl(std::uint64_t, std::string_view body,
                                       boost::system::error_code&) {
  msg_.body().append(body.data(), body.size());
  return body.size();
}

}  // namespace detail

RequestReader::RequestReader(ReadLimits limits) : limits_(limits), budget_(request_budget(limits)) {
  next();
}

bool RequestReader::header_done() const {
  return parser_->is_header_done();
}

boost::asio::mutable_buffer RequestReader::prepare() {
  const std::uint64_t left = budget_ > used() ? budget_ - used() : 0;
  return buf_.prepare(static_cast<std::size_t>(std::min<std::uint64_t>(left, kReadSize)));
}

RequestReader::State RequestReader::commit(std::size_t n) {
  buf_.commit(n);
  if (state_ != State::need_more) return state_;
  return state_ = parse();
}

std::size_t RequestReader::feed(std::string_view bytes) {
  std::size_t taken = 0;
  while (taken < bytes.size() && state_ == State::need_more) {
    const auto space = prepare();
    const std::size_t k = std::min(space.size(), bytes.size() - taken);
    if (k == 0) break;
    std::memcpy(space.data(), bytes.data() + taken, k);
    taken += k;
    commit(k);
  }
  return taken;
}

Request RequestReader::release() {
  return std::move(parser_->message());
}

RequestReader::State RequestReader::next() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  parser_->body_limit(limits_.max_body_bytes);
  parser_->eager(true);
  consumed_ = 0;
  refusal_ = {};
  state_ = State::need_more;
  if (buffered()) state_ = parse();
  return state_;
}

RequestReader::State RequestReader::refuse(bhttp::status status, std::string reason) {
  refusal_ = Refusal{status, std::move(reason)};
  return State::refused;
}

RequestReader::State RequestReader::parse() {
  while (buf_.size() > 0) {
    if (!may_offer(*parser_, buf_.size())) break;  // chunk_guard.hpp
    boost::system::error_code ec;
    const std::size_t n = parser_->put(buf_.data(), ec);
    buf_.consume(n);
    consumed_ += n;
    if (parser_->saw_trailer()) return refuse(bhttp::status::bad_request, "trailer fields");
    if (ec == bhttp::error::need_more) break;
    if (ec) return refuse(status_for(ec).value_or(bhttp::status::bad_request), ec.message());
    if (parser_->is_done()) return State::done;
    if (n == 0) break;
  }
  // Beast consumes body bytes as they come; what stays unconsumed after the header is a
  // chunk-size line or a last-chunk section still waiting for its end.
  if (parser_->is_header_done() && buf_.size() > kMaxChunkLine) {
    return refuse(bhttp::status::bad_request, "chunk line or last-chunk section too long");
  }
  if (used() >= budget_) {
    return parser_->is_header_done()
               ? refuse(bhttp::status::payload_too_large, "request budget spent")
               : refuse(bhttp::status::request_header_fields_too_large, "request budget spent");
  }
  return State::need_more;
}

}  // namespace gw::http
