// SPDX-License-Identifier: Apache-2.0
#pragma once
// The reverse proxy's side towards the backend: plain HTTP/1.1 over a pool of
// keep-alive connections. A request takes an idle connection (or opens one), and gives
// it back only when the exchange ended cleanly at a boundary the response's own framing
// gave, both sides want to keep it, and nothing more came from the backend
// (ResponseReader::reusable). Anything else closes it: a connection that is put back with
// unread bytes hands one device's response to the next one (issue 9, item 1).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/proxy/response_reader.hpp"

namespace gw::proxy {

using Request = http::request<http::string_body>;

enum class Failure { none, unreachable, timeout };

struct Exchange {
  Failure failure = Failure::none;
  Response response;  // valid when failure == none
  std::string detail;
};

class BackendPool {
 public:
  BackendPool(boost::asio::io_context& ioc, const config::Backend& cfg);
  // Sends the request (already rewritten for the backend by to_backend) and reads the
  // response. Never throws; the whole exchange is bounded by backend.timeout. A request
  // without exactly one valid X-Device-ID is not sent (unreachable).
  boost::asio::awaitable<Exchange> send(Request req);
  [[nodiscard]] std::size_t idle_count();

 private:
  struct Idle {
    std::unique_ptr<boost::beast::tcp_stream> stream;
    std::chrono::steady_clock::time_point since;
  };
  struct Attempt {
    Exchange exchange;
    bool reusable = false;
    bool nothing_received = false;
  };
  std::unique_ptr<boost::beast::tcp_stream> take_idle();
  void give_back(std::unique_ptr<boost::beast::tcp_stream> s);
  boost::asio::awaitable<Attempt> attempt(boost::beast::tcp_stream& s, const Request& req,
                                          std::chrono::steady_clock::time_point deadline);

  boost::asio::io_context& ioc_;
  const config::Backend& cfg_;
  std::mutex mu_;
  std::vector<Idle> idle_;
};

}  // namespace gw::proxy
