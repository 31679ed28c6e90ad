// SPDX-License-Identifier: Apache-2.0
// Fuzzes HTTP/1.1 request parsing as the gateway configures it (Beast request_parser
// with the default header and body limits), then the proxy's header rewriting and the
// response clean-up on whatever parsed.
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>

#include "gateway/config/config.hpp"
#include "gateway/proxy/rewrite.hpp"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const gw::config::Server server;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(server.max_header_bytes));
  parser.body_limit(server.max_body_bytes);
  parser.eager(true);
  boost::system::error_code ec;
  // Feed in two pieces, as a socket would, to exercise the incremental parser.
  const std::size_t half = size / 2;
  std::size_t used = parser.put(boost::asio::buffer(data, half), ec);
  // A message complete after the first piece takes no more input (Beast asserts on it).
  if ((!ec || ec == http::error::need_more) && !parser.is_done()) {
    ec = {};
    used += parser.put(boost::asio::buffer(data + used, size - used), ec);
  }
  if (ec || !parser.is_done()) return 0;
  const auto& req = parser.get();
  auto out = gw::proxy::to_backend(req, "dev-1", "192.0.2.1", "backend:8080");
  if (out.count("X-Device-ID") != 1 || out.count(http::field::authorization) != 0) {
    __builtin_trap();
  }
  gw::proxy::Response res(http::status::ok, 11);
  for (const auto& h : req) res.insert(h.name_string(), h.value());
  res.body() = req.body();
  gw::proxy::clean_response(res);
  return 0;
}
