// SPDX-License-Identifier: Apache-2.0
#pragma once
// One client connection: TLS handshake, then HTTP/1.1 requests with keep-alive until
// the client closes, a timeout fires, or the gateway drains. Kept alive by the
// coroutine that runs it (beast's session-per-connection shape, as a coroutine).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "gateway/http/request_reader.hpp"
#include "gateway/limits/client_key.hpp"
#include "gateway/server/connections.hpp"
#include "gateway/server/services.hpp"
#include "gateway/tls/ssl_socket.hpp"

namespace gw::server {

struct Client;

class Session : public Drainable, public std::enable_shared_from_this<Session> {
 public:
  Session(Services& svc, Connections& conns, boost::asio::ip::tcp::socket socket,
          std::shared_ptr<boost::asio::ssl::context> ctx, std::string remote_ip);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Spawns the connection's coroutine on its strand; no exception escapes it.
  static void start(std::shared_ptr<Session> s);
  void drain() override;

 private:
  boost::asio::awaitable<void> run(std::shared_ptr<Session> self);
  boost::asio::awaitable<bool> handshake();
  boost::asio::awaitable<void> serve();
  // Reads until the reader has a request or a refusal; false when the connection ended
  // (EOF, reset, timeout, drain) with nothing to answer.
  boost::asio::awaitable<bool> read_request(http::RequestReader& reader, bool first);
  boost::asio::awaitable<http::Response> answer(http::Request& req, const Client& client);
  [[nodiscard]] http::Response answer_refusal(const http::RequestReader& reader) const;
  // Reads and discards what the client still sends (bounded), before the close.
  boost::asio::awaitable<void> linger();
  [[nodiscard]] bool banned() const;

  // Lingering close after a response that leaves input unread (nginx: lingering_time).
  static constexpr std::chrono::seconds kLingerTime{5};
  static constexpr std::uint64_t kLingerBytes = 8 * 1024 * 1024;

  Services& svc_;
  Connections& conns_;
  std::shared_ptr<boost::asio::ssl::context> ctx_;  // outlives stream_ (declared first)
  tls::SslSocket stream_;
  limits::ClientKey key_;  // the ban list's key: the address, or its IPv6 /64
  std::string ip_;
  std::uint64_t id_ = 0;
  bool idle_ = false;      // waiting for the next request with nothing buffered
  bool draining_ = false;  // only touched on the connection's strand
};

}  // namespace gw::server
