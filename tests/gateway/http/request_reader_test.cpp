// SPDX-License-Identifier: Apache-2.0
// The sans-IO request reader: one byte budget per request over every byte of framing,
// trailers refused, limits mapped to statuses, pipelined input kept for the next request.
#include <doctest/doctest.h>

#include <boost/asio/error.hpp>
#include <string>

#include "gateway/http/request_reader.hpp"

namespace {

using gw::http::RequestReader;
using State = RequestReader::State;
namespace bhttp = boost::beast::http;

constexpr gw::http::ReadLimits kLimits{1024, 4096};

// Feeds `bytes` in 7-byte pieces, as a slow socket would; stops once the reader has an
// answer. Returns the bytes taken.
std::size_t feed_slowly(RequestReader& r, std::string_view bytes) {
  std::size_t taken = 0;
  while (taken < bytes.size() && r.state() == State::need_more) {
    taken += r.feed(bytes.substr(taken, 7));
  }
  return taken;
}

// Feeds `piece` again and again until the reader answers or `limit` bytes went in.
std::uint64_t feed_endless(RequestReader& r, std::string_view piece, std::uint64_t limit) {
  std::uint64_t total = 0;
  while (r.state() == State::need_more && total < limit) total += r.feed(piece);
  return total;
}

}  // namespace

TEST_CASE("a request with a Content-Length body is read whole, in any number of pieces") {
  RequestReader r(kLimits);
  feed_slowly(r, "POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
  REQUIRE(r.state() == State::done);
  const auto req = r.release();
  CHECK(req.method() == bhttp::verb::post);
  CHECK(req.target() == "/api/x");
  CHECK(req.body() == "hello");
}

TEST_CASE("a chunked body is de-chunked and its extensions ignored") {
  RequestReader r(kLimits);
  feed_slowly(r,
              "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
              "3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  REQUIRE(r.state() == State::done);
  CHECK(r.release().body() == "abcde");
}

TEST_CASE("a chunked body fed one byte at a time ends at its last chunk, trailers refused") {
  // Beast 1.74 asserted (n >= 5 in parse_chunk_header) when a started last-chunk section
  // was offered again with one more byte (found by fuzz_session; http/chunk_guard.hpp).
  const std::string head = "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const std::string body : {"1\r\nx\r\n0\r\n\r\n", "0\r\n\r\n", "0;e=1\r\n\r\n"}) {
    RequestReader r(kLimits);
    const std::string all = head + body + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";
    std::size_t taken = 0;
    while (taken < all.size() && r.state() == State::need_more)
      taken += r.feed(all.substr(taken, 1));
    REQUIRE_MESSAGE(r.state() == State::done, body);
    CHECK(r.release().body() == (body[0] == '1' ? "x" : ""));
    CHECK(taken == head.size() + body.size());  // the next request stays for the next read
  }
  RequestReader r(kLimits);
  const std::string trailer = head + "0\r\nx\r\n1\r\nx\r\n1\r\nX-Device-ID: evil\r\n\r\n";
  for (std::size_t i = 0; i < trailer.size() && r.state() == State::need_more; ++i) {
    (void)r.feed(trailer.substr(i, 1));
  }
  CHECK(r.state() == State::refused);
}

TEST_CASE("a trailer field is refused with 400, and Authorization in one never arrives") {
  for (const std::string_view trailer :
       {"Authorization: Bearer x\r\n", "X-T: v\r\n", "X-Device-ID: admin\r\n"}) {
    RequestReader r(kLimits);
    feed_slowly(r,
                "POST /api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                "1\r\na\r\n0\r\n" +
                    std::string(trailer) + "\r\n");
    REQUIRE(r.state() == State::refused);
    CHECK(r.refusal().status == bhttp::status::bad_request);
    CHECK(r.refusal().reason == "trailer fields");
  }
}

TEST_CASE("an endless trailer section is refused before the budget is spent") {
  RequestReader r(kLimits);
  r.feed("POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
  const auto fed = feed_endless(r, "X-T: vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", 1 << 24);
  REQUIRE(r.state() == State::refused);
  CHECK(r.refusal().status == bhttp::status::bad_request);
  CHECK(fed <= gw::http::kMaxChunkLine + gw::http::kReadSize);
}

TEST_CASE("an endless chunk extension or chunk-size line is refused with 400, bounded") {
  for (const std::string_view start : {"4;a=", "4", ""}) {
    RequestReader r(kLimits);
    r.feed("POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    r.feed(start);
    const auto fed = feed_endless(r, start.empty() ? "0" : "a", 1 << 24);
    REQUIRE(r.state() == State::refused);
    CHECK(r.refusal().status == bhttp::status::bad_request);
    CHECK(fed <= gw::http::kMaxChunkLine + gw::http::kReadSize);
  }
}

TEST_CASE("many tiny chunks spend the budget on framing and get 413") {
  RequestReader r(kLimits);
  r.feed("POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
  // Each "1\r\nx\r\n" carries one body byte in six; the body stays under max_body_bytes
  // only if the framing fits the allowance.
  feed_endless(r, "1\r\nx\r\n", 1 << 24);
  REQUIRE(r.state() == State::refused);
  CHECK(r.refusal().status == bhttp::status::payload_too_large);
  CHECK(r.used() <= r.budget());
  CHECK(r.budget() == 1024 + 4096 + gw::http::kFramingAllowance);
}

TEST_CASE("a body over max_body_bytes gets 413, declared or chunked") {
  RequestReader declared(kLimits);
  declared.feed("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 4097\r\n\r\n");
  REQUIRE(declared.state() == State::refused);
  CHECK(declared.refusal().status == bhttp::status::payload_too_large);

  RequestReader chunked(kLimits);
  chunked.feed("POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
  feed_endless(chunked, "400\r\n" + std::string(0x400, 'b') + "\r\n", 1 << 24);
  REQUIRE(chunked.state() == State::refused);
  CHECK(chunked.refusal().status == bhttp::status::payload_too_large);
}

TEST_CASE("a header over max_header_bytes gets 431: one long line, many fields, obs-fold") {
  for (const std::string_view piece : {"aaaaaaaaaaaaaaaa", "\r\nX-A: b", "\r\n  folded"}) {
    RequestReader r(kLimits);
    r.feed("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Long: v");
    const auto fed = feed_endless(r, piece, 1 << 24);
    REQUIRE(r.state() == State::refused);
    CHECK(r.refusal().status == bhttp::status::request_header_fields_too_large);
    CHECK(fed <= kLimits.max_header_bytes + gw::http::kReadSize);
  }
}

TEST_CASE("a malformed request is refused with 400") {
  RequestReader r(kLimits);
  r.feed("GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
  REQUIRE(r.state() == State::refused);
  CHECK(r.refusal().status == bhttp::status::bad_request);
}

TEST_CASE("pipelined requests are read one after the other from the same bytes") {
  RequestReader r(kLimits);
  const std::string two =
      "GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n";
  CHECK(r.feed(two) == two.size());
  REQUIRE(r.state() == State::done);
  CHECK(r.release().target() == "/one");
  CHECK(r.buffered());
  REQUIRE(r.next() == State::done);
  CHECK(r.release().target() == "/two");
  CHECK_FALSE(r.buffered());
  CHECK(r.next() == State::need_more);
}

TEST_CASE("the read buffer never offers more than the remaining budget") {
  RequestReader r({512, 0});
  CHECK(r.prepare().size() == gw::http::kReadSize);
  r.feed("GET / HTTP/1.1\r\nHost: a\r\n");
  CHECK(r.used() + r.prepare().size() <= r.budget());
}

TEST_CASE("parser errors map to statuses; connection ends map to none") {
  using gw::http::status_for;
  CHECK(status_for(bhttp::error::header_limit) == bhttp::status::request_header_fields_too_large);
  CHECK(status_for(bhttp::error::body_limit) == bhttp::status::payload_too_large);
  CHECK(status_for(bhttp::error::bad_chunk) == bhttp::status::bad_request);
  CHECK_FALSE(status_for(bhttp::error::end_of_stream));
  CHECK_FALSE(status_for(bhttp::error::partial_message));
  CHECK_FALSE(status_for(boost::asio::error::eof));
}

TEST_CASE("finish() sets HSTS on every response, replaces a backend's, and sends none when off") {
  gw::http::Response res = gw::http::error(bhttp::status::payload_too_large, "x");
  res.set(bhttp::field::strict_transport_security, "max-age=1");
  gw::http::finish(res, {11, false, false, "max-age=31536000"});
  CHECK(res[bhttp::field::strict_transport_security] == "max-age=31536000");
  CHECK(res.count(bhttp::field::strict_transport_security) == 1);
  CHECK_FALSE(res.keep_alive());

  gw::http::Response off = gw::http::error(bhttp::status::ok, "x");
  gw::http::finish(off, {11, true, true, ""});
  CHECK(off.count(bhttp::field::strict_transport_security) == 0);
  CHECK(off.body().empty());  // HEAD
  CHECK(off[bhttp::field::content_length] != "0");
}
