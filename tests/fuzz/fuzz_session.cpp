// SPDX-License-Identifier: Apache-2.0
// Fuzzes the session's request handling end to end, as far as it runs without sockets:
// bytes in (in pieces, as reads deliver them) -> gw::http::RequestReader with its byte
// budget -> each request or refusal -> the response the session would write
// (gw::http::finish, HSTS, HEAD, keep-alive) -> serialised and parsed back. Pipelined
// requests are read one after the other from the same bytes. The session coroutine
// itself (gateway/server/) is left out of fuzz builds (see gateway/CMakeLists.txt);
// everything it decides about bytes lives in the reader driven here.
//
// Input: byte 0 picks the limits (the defaults, or small ones that reach the budget
// quickly), byte 1 the piece size; the rest is what the client sends.
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

#include "gateway/config/config.hpp"
#include "gateway/http/request_reader.hpp"
#include "gateway/proxy/rewrite.hpp"

namespace bhttp = boost::beast::http;
using gw::http::RequestReader;
using State = RequestReader::State;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// What the session writes back, parsed again as a client would.
void respond(gw::http::Response res, const gw::http::Finish& f) {
  gw::http::finish(res, f);
  std::ostringstream out;
  out << res;
  const std::string wire = out.str();
  bhttp::response_parser<bhttp::string_body> p;
  p.skip(f.head);
  p.eager(true);
  boost::system::error_code ec;
  p.put(boost::asio::buffer(wire), ec);
  check(!ec && p.is_done());
  check(p.get().result() == res.result());
  check(f.hsts.empty() || p.get()[bhttp::field::strict_transport_security] == f.hsts);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const gw::config::Server defaults;
  const gw::http::ReadLimits limits =
      (data[0] & 1) != 0 ? gw::http::ReadLimits{512, 64}
                         : gw::http::ReadLimits{defaults.max_header_bytes, defaults.max_body_bytes};
  const std::size_t piece = 1 + data[1] % 64 * (data[1] >= 128 ? 256 : 1);
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);

  RequestReader reader(limits);
  for (int requests = 0; requests < 16; ++requests) {
    while (reader.state() == State::need_more && !in.empty()) {
      const std::size_t taken = reader.feed(in.substr(0, piece));
      check(taken > 0 || reader.state() != State::need_more);
      in.remove_prefix(taken);
      check(reader.used() <= reader.budget());
    }
    if (reader.state() == State::need_more) return 0;  // the client stopped mid-request
    if (reader.state() == State::refused) {
      const auto status = reader.refusal().status;
      check(status == bhttp::status::bad_request || status == bhttp::status::payload_too_large ||
            status == bhttp::status::request_header_fields_too_large);
      respond(gw::http::error(status, "refused"), {11, false, false, defaults.hsts});
      return 0;  // the session closes after a refusal
    }
    gw::http::Request req = reader.release();
    check(req.body().size() <= limits.max_body_bytes);
    // The backend side of an accepted request: identity headers set by the gateway only.
    const auto out = gw::proxy::to_backend(req, "dev-1", "192.0.2.1", "backend:8080");
    check(out.count(bhttp::field::authorization) == 0);
    gw::http::Response res(bhttp::status::ok, 11);
    res.set(bhttp::field::content_type, "application/json");
    res.body() = req.body();
    res.prepare_payload();
    const bool head = req.method() == bhttp::verb::head;
    respond(std::move(res),
            {req.version() == 10 ? 10U : 11U, head, req.keep_alive(), defaults.hsts});
    if (!req.keep_alive()) return 0;
    reader.next();
  }
  return 0;
}
