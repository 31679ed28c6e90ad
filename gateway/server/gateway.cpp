// SPDX-License-Identifier: Apache-2.0
#include "gateway/server/gateway.hpp"

#include <systemd/sd-daemon.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <csignal>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "gateway/listener/proxy_protocol.hpp"
#include "gateway/log/log.hpp"
#include "gateway/server/session.hpp"

namespace gw::server {
namespace {

// [audit] → the log's options; the checkpoint key is read (and checked) here, at start.
audit::Options audit_options(const config::Audit& a) {
  audit::Options o;
  o.queue_size = a.queue_size;
  if (!a.checkpoint_key.empty()) o.checkpoint_key = audit::CheckpointKey::load(a.checkpoint_key);
  o.checkpoint_every = a.checkpoint_every;
  o.checkpoint_interval = a.checkpoint_interval;
  if (!a.syslog.empty()) {
    audit::SyslogTarget t;
    (void)audit::parse_syslog_url(a.syslog, t);  // validated by the config loader
    t.ca = a.syslog_ca;
    o.syslog = t;
  }
  o.syslog_queue = a.syslog_queue;
  return o;
}

namespace asio = boost::asio;
using asio::redirect_error;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::seconds;

void log_line(const std::string& s) {
  log::line(s);
}

// Spawned control coroutines report an escaped exception and keep the process alive.
auto report(const char* what) {
  return [what](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log_line(std::string(what) + " failed: " + ex.what());
    }
  };
}

std::string client_ip(const tcp::endpoint& ep) {
  const auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  }
  return a.to_string();
}

std::unique_ptr<tcp::acceptor> listen(const asio::strand<asio::io_context::executor_type>& ex,
                                      const std::string& key, const std::string& address) {
  const auto ep = config::split_host_port(address);
  boost::system::error_code ec;
  tcp::resolver resolver(ex);
  const auto results = resolver.resolve(ep.host, ep.port, tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    throw pki::Error(pki::Exit::config, key + " " + address + ": " + ec.message());
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  auto acceptor = std::make_unique<tcp::acceptor>(ex);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw pki::Error(pki::Exit::config, key + " " + address + ": " + ec.message());
  return acceptor;
}

}  // namespace

Gateway::Gateway(config::Config cfg)
    : cfg_(std::move(cfg)),
      audit_(cfg_.audit.path, audit_options(cfg_.audit)),
      conns_(cfg_.server.max_connections, cfg_.server.max_connections_per_ip),
      reloader_(cfg_, state_, audit_),
      buckets_(cfg_.rate_limit.token_rate, static_cast<double>(cfg_.rate_limit.token_burst),
               cfg_.rate_limit.table_size, static_cast<double>(cfg_.rate_limit.failure_window)),
      bans_(cfg_.rate_limit.failure_threshold, static_cast<double>(cfg_.rate_limit.failure_window),
            static_cast<double>(cfg_.rate_limit.ban_duration), cfg_.rate_limit.table_size),
      deny_(cfg_.trust.state_dir, cfg_.jwt.leeway),
      proxy_from_(
          limits::CidrSet::parse(cfg_.server.proxy_protocol_from, "server.proxy_protocol_from")),
      ioc_(std::make_unique<asio::io_context>()) {
  audit_.set_observer([this](audit::Event event) { metrics_.count_event(event); });
  bans_.set_observer([this](const limits::ClientKey& key) { conns_.close_client(key); });
  bans_.set_never_ban(limits::CidrSet::parse(cfg_.rate_limit.never_ban, "rate_limit.never_ban"));
  reloader_.load_initial();
  backend_ = std::make_unique<proxy::BackendPool>(*ioc_, cfg_.backend);
  svc_ = std::unique_ptr<Services>(
      new Services{cfg_, state_, audit_, *backend_, buckets_, bans_, deny_, metrics_, {}});
  auto strand = asio::make_strand(*ioc_);
  acceptor_ = listen(strand, "server.listen", cfg_.server.listen);
  if (!cfg_.server.metrics_listen.empty()) {
    metrics_acceptor_ = listen(strand, "server.metrics_listen", cfg_.server.metrics_listen);
  }
}

Gateway::~Gateway() {
  // Idle backend connections and open sessions go while every part they use is alive.
  acceptor_.reset();
  metrics_acceptor_.reset();
  svc_.reset();
  backend_.reset();
  ioc_.reset();
}

int Gateway::run() {
  // Signals are caught from here on; the control coroutines share the acceptor's strand,
  // so the acceptor and the drain never run concurrently. Reloads run on the
  // reloader's own thread: a slow parse never holds up accepts or a stop signal.
  auto ctl = acceptor_->get_executor();
  asio::co_spawn(ctl, signal_loop(), report("signal handling"));
  asio::co_spawn(ctl, accept_loop(), report("accept loop"));
  reloader_.start();
  if (metrics_acceptor_) asio::co_spawn(ctl, metrics_loop(), report("metrics listener"));
  std::uint64_t watchdog_usec = 0;
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
    asio::co_spawn(ctl, watchdog_loop(watchdog_usec), report("watchdog"));
  }
  unsigned n = cfg_.server.threads != 0 ? cfg_.server.threads : std::thread::hardware_concurrency();
  n = std::max(1U, n);
  log_line("listening on " + cfg_.server.listen + " with " + std::to_string(n) + " thread(s)");
  sd_notify(0, "READY=1\nSTATUS=serving");
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < n; ++i) threads.emplace_back([this] { ioc_->run(); });
  ioc_->run();
  for (auto& t : threads) t.join();
  reloader_.stop();  // a poll under way finishes first (bounded by the size caps)
  audit_.flush();
  log_line("stopped");
  return 0;
}

asio::awaitable<void> Gateway::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket sock(asio::make_strand(*ioc_));
    co_await acceptor_->async_accept(sock, redirect_error(use_awaitable, ec));
    if (stopping_ || !acceptor_->is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off instead of spinning.
      asio::steady_timer t(co_await asio::this_coro::executor, milliseconds(50));
      co_await t.async_wait(redirect_error(use_awaitable, ec));
      continue;
    }
    const auto remote = sock.remote_endpoint(ec);
    if (ec) continue;
    // A response is written as several TLS records; with Nagle's algorithm the last one
    // waits for the client's delayed ACK (~40 ms per request on Linux).
    sock.set_option(tcp::no_delay(true), ec);
    const std::string ip = client_ip(remote);
    if (!cfg_.server.proxy_protocol) {
      admit(std::move(sock), ip);
      continue;
    }
    // PROXY protocol: the peer must be a configured balancer; anyone else is closed
    // before a byte is read, and audited (counting toward a ban of that peer, after which
    // it is closed silently). A balancer itself is never banned by its own address.
    if (!proxy_from_.contains(remote.address())) {
      const bool banned = bans_.banned(key_of(ip), steady_seconds());
      sock.close(ec);
      if (banned) {
        metrics_.count_rejected_at_accept("banned");
        continue;
      }
      audit::Record r;
      r.event = audit::Event::proxy_refused;
      r.remote_ip = ip;
      r.reason = "peer is not in server.proxy_protocol_from";
      svc_->report(std::move(r));
      continue;
    }
    if (proxy_pending_.load() >= cfg_.server.max_connections) {
      metrics_.count_rejected_at_accept("conn_limit");
      sock.close(ec);
      continue;
    }
    ++proxy_pending_;
    auto ex = sock.get_executor();
    asio::co_spawn(ex, proxied(std::move(sock), ip), report("PROXY protocol header"));
  }
}

void Gateway::admit(tcp::socket sock, const std::string& ip) {
  boost::system::error_code ec;
  // Banned addresses and the caps are enforced here, before any TLS work.
  const bool banned = bans_.banned(key_of(ip), steady_seconds());
  if (banned || !conns_.admit(ip)) {
    metrics_.count_rejected_at_accept(banned ? "banned" : "conn_limit");
    sock.close(ec);  // connection caps reached: closed before any TLS work
    return;
  }
  // Out of memory or an SSL_new failure drops this connection, never the listener.
  std::shared_ptr<Session> s;
  try {
    s = std::make_shared<Session>(*svc_, conns_, std::move(sock), state_.get()->tls, ip);
  } catch (const std::exception& e) {
    conns_.release(ip);  // no session owns the slot
    log_line(std::string("cannot create a session: ") + e.what());
    return;
  }
  try {
    Session::start(std::move(s));
  } catch (const std::exception& e) {
    log_line(std::string("cannot start a session: ") + e.what());  // its destructor freed the slot
  }
}

asio::awaitable<void> Gateway::proxied(tcp::socket sock, std::string peer_ip) {
  struct Pending {
    std::atomic<std::uint64_t>& n;
    ~Pending() { --n; }
  } pending{proxy_pending_};
  boost::beast::tcp_stream stream(std::move(sock));
  stream.expires_after(cfg_.server.handshake_timeout);
  listener::ProxyHeaderReader reader;
  boost::system::error_code ec;
  // Exactly the header's bytes: the ClientHello behind it stays in the socket for TLS.
  while (reader.state() == listener::ProxyHeaderReader::State::need_more) {
    const auto want = reader.prepare();
    const std::size_t n = co_await stream.async_read_some(asio::buffer(want.data(), want.size()),
                                                          redirect_error(use_awaitable, ec));
    if (ec) break;
    reader.commit(n);
  }
  if (reader.state() != listener::ProxyHeaderReader::State::done || svc_->draining.load()) {
    // A balancer's plain TCP health check connects and closes without a byte: not audited.
    if (reader.state() == listener::ProxyHeaderReader::State::refused || reader.size() > 0 ||
        ec == boost::beast::error::timeout) {
      audit::Record r;
      r.event = audit::Event::proxy_header_invalid;
      r.remote_ip = peer_ip;
      r.reason = reader.state() == listener::ProxyHeaderReader::State::refused
                     ? reader.refusal()
                     : "incomplete PROXY protocol header: " + ec.message();
      // The balancer's fault, not a client's: audited, never counted toward a ban (that
      // would ban every client behind it).
      audit_.log(std::move(r));
    }
    stream.socket().close(ec);
    co_return;
  }
  stream.expires_never();
  tcp::socket s = stream.release_socket();
  const std::string ip = reader.source() ? client_ip(tcp::endpoint(*reader.source(), 0)) : peer_ip;
  admit(std::move(s), ip);
}

asio::awaitable<void> Gateway::signal_loop() {
  asio::signal_set signals(co_await asio::this_coro::executor, SIGTERM, SIGINT, SIGHUP);
  signals.add(SIGUSR1);
  for (;;) {
    boost::system::error_code ec;
    const int sig = co_await signals.async_wait(redirect_error(use_awaitable, ec));
    if (ec) co_return;
    if (sig == SIGHUP) {
      // Only a request: the reload thread does the work (and the systemd RELOADING/READY
      // notifications), so this loop is back waiting for SIGTERM at once.
      log_line("SIGHUP: reloading trust material, keys and the audit log");
      reloader_.request();
      audit_.reopen();
    } else if (sig == SIGUSR1) {
      audit_.reopen();
    } else if (!stopping_) {
      start_drain();
      asio::co_spawn(co_await asio::this_coro::executor, drain_loop(), report("drain"));
    } else {
      log_line("second stop signal: exiting without waiting");
      ioc_->stop();
      co_return;
    }
  }
}

asio::awaitable<void> Gateway::watchdog_loop(std::uint64_t usec) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stopping_) {
    sd_notify(0, "WATCHDOG=1");
    boost::system::error_code ec;
    timer.expires_after(std::chrono::microseconds(usec / 2));
    co_await timer.async_wait(redirect_error(use_awaitable, ec));
  }
}

void Gateway::start_drain() {
  stopping_ = true;
  svc_->draining = true;
  sd_notify(0, "STOPPING=1");
  log_line("draining " + std::to_string(conns_.active()) + " connection(s)");
  boost::system::error_code ec;
  acceptor_->close(ec);
  if (metrics_acceptor_) metrics_acceptor_->close(ec);
  conns_.drain_all();
}

asio::awaitable<void> Gateway::drain_loop() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + cfg_.server.drain_timeout;
  while (conns_.active() > 0 && std::chrono::steady_clock::now() < deadline) {
    boost::system::error_code ec;
    timer.expires_after(milliseconds(50));
    co_await timer.async_wait(redirect_error(use_awaitable, ec));
    conns_.drain_all();  // sessions that finished a request since are idle now
  }
  if (conns_.active() > 0) log_line("drain timeout: closing remaining connections");
  ioc_->stop();
}

}  // namespace gw::server
