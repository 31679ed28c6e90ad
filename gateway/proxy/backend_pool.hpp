// SPDX-License-Identifier: Apache-2.0
#pragma once
// The reverse proxy's side towards the backend: HTTP/1.1 over a pool of keep-alive
// connections, plain (http://) or TLS 1.2+ (https://: the backend's certificate is
// verified against backend.ca_file only and must name backend.url's host; SNI is sent
// for a DNS name; backend.client_cert is presented when configured). A request takes an idle
// connection (or opens one), and gives it back only when the exchange ended cleanly at a boundary
// the response's own framing gave, both sides want to keep it, and nothing more came from the
// backend (ResponseReader::reusable). Anything else closes it: a connection that is put back with
// unread bytes hands one device's response to the next one (issue 9, item 1).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
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

// One connection to the backend: TCP, or TLS over TCP.
class Connection {
 public:
  using Tls = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  Connection(boost::asio::io_context& ioc, boost::asio::ssl::context* tls);
  [[nodiscard]] boost::beast::tcp_stream& tcp();
  [[nodiscard]] boost::beast::tcp_stream* plain() { return plain_.get(); }
  [[nodiscard]] Tls* tls() { return tls_.get(); }
  // Nothing is waiting: no byte on the socket, none buffered by TLS, no end of stream.
  [[nodiscard]] bool quiet();

 private:
  std::unique_ptr<boost::beast::tcp_stream> plain_;
  std::unique_ptr<Tls> tls_;
};

// The client context of an https:// backend: TLS 1.2 minimum, peer verification against
// cfg.ca_file only, the client certificate and key when configured (the key read as a
// private file: 0600 or stricter). Throws pki::Error(config) naming the key.
[[nodiscard]] std::unique_ptr<boost::asio::ssl::context> make_backend_context(
    const config::Backend& cfg);

class BackendPool {
 public:
  // Throws pki::Error(config) when an https:// backend's CA file, certificate or key
  // cannot be loaded.
  BackendPool(boost::asio::io_context& ioc, const config::Backend& cfg);
  // Sends the request (already rewritten for the backend by to_backend) and reads the
  // response. Never throws; the whole exchange is bounded by backend.timeout. A request
  // without exactly one valid X-Device-ID is not sent (unreachable).
  boost::asio::awaitable<Exchange> send(Request req);
  [[nodiscard]] std::size_t idle_count();

 private:
  struct Idle {
    std::unique_ptr<Connection> stream;
    std::chrono::steady_clock::time_point since;
  };
  struct Attempt {
    Exchange exchange;
    bool reusable = false;
    bool nothing_received = false;
  };
  std::unique_ptr<Connection> take_idle();
  void give_back(std::unique_ptr<Connection> s);
  template <class Stream>
  boost::asio::awaitable<Attempt> attempt(Stream& s, Connection& c, const Request& req,
                                          std::chrono::steady_clock::time_point deadline);
  // A new connection: TCP connect, and for https:// the TLS handshake with name checks.
  boost::asio::awaitable<Exchange> open(Connection& c,
                                        std::chrono::steady_clock::time_point deadline);

  boost::asio::io_context& ioc_;
  const config::Backend& cfg_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // https:// only
  std::mutex mu_;
  std::vector<Idle> idle_;
};

}  // namespace gw::proxy
