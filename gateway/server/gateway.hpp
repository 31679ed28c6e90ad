// SPDX-License-Identifier: Apache-2.0
#pragma once
// The running gateway: owns the io_context and its threads, the listener, the signal
// handling (SIGTERM/SIGINT drain, SIGHUP reload + reopen, SIGUSR1 reopen), the
// reloader's thread and the systemd notifications.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>

#include "gateway/audit/audit_log.hpp"
#include "gateway/config/config.hpp"
#include "gateway/limits/cidr.hpp"
#include "gateway/proxy/backend_pool.hpp"
#include "gateway/server/connections.hpp"
#include "gateway/server/reloader.hpp"
#include "gateway/server/services.hpp"
#include "gateway/server/state.hpp"

namespace gw::server {

class Gateway {
 public:
  // Loads the trust material, keys and TLS context and binds the listener. Throws
  // pki::Error (exit 78 for configuration problems) before serving anything.
  explicit Gateway(config::Config cfg);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Serves until SIGTERM/SIGINT and the drain that follows; returns the exit status.
  int run();

 private:
  boost::asio::awaitable<void> accept_loop();
  // With [server] proxy_protocol: reads the PROXY v2 header from a trusted balancer
  // (bounded in bytes and by handshake_timeout), then admits the real client.
  boost::asio::awaitable<void> proxied(boost::asio::ip::tcp::socket sock, std::string peer_ip);
  // Bans and connection caps for the client `ip`, then its session; closes otherwise.
  void admit(boost::asio::ip::tcp::socket sock, const std::string& ip);
  boost::asio::awaitable<void> signal_loop();
  boost::asio::awaitable<void> drain_loop();
  boost::asio::awaitable<void> watchdog_loop(std::uint64_t usec);
  boost::asio::awaitable<void> metrics_loop();
  boost::asio::awaitable<void> metrics_session(boost::asio::ip::tcp::socket sock);
  [[nodiscard]] std::string scrape();
  void start_drain();

  const config::Config cfg_;
  audit::AuditLog audit_;
  State state_;
  Connections conns_;
  Reloader reloader_;
  limits::TokenBuckets buckets_;
  limits::BanList bans_;
  admin::DenyLists deny_;
  metrics::Metrics metrics_;
  const limits::CidrSet proxy_from_;             // [server] proxy_protocol_from
  std::atomic<std::uint64_t> proxy_pending_{0};  // connections still sending the header
  // Everything below uses the io_context, which is destroyed before the parts above
  // that the connections it still holds refer to.
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::unique_ptr<proxy::BackendPool> backend_;
  std::unique_ptr<Services> svc_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> metrics_acceptor_;
  bool stopping_ = false;
};

}  // namespace gw::server
