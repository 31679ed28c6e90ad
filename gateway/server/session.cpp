// SPDX-License-Identifier: Apache-2.0
#include "gateway/server/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "core/error.hpp"
#include "gateway/http/request_reader.hpp"
#include "gateway/http/target.hpp"
#include "gateway/log/log.hpp"
#include "gateway/server/routes.hpp"

namespace gw::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::redirect_error;
using asio::use_awaitable;
using std::chrono::seconds;

}  // namespace

Session::Session(Services& svc, Connections& conns, asio::ip::tcp::socket socket,
                 std::shared_ptr<asio::ssl::context> ctx, std::string remote_ip)
    : svc_(svc),
      conns_(conns),
      ctx_(std::move(ctx)),
      stream_(std::move(socket), ctx_->native_handle()),
      key_(key_of(remote_ip)),
      ip_(std::move(remote_ip)) {}

Session::~Session() {
  conns_.leave(id_, ip_);
}

void Session::start(std::shared_ptr<Session> s) {
  s->id_ = s->conns_.attach(s, s->ip_);
  auto ex = s->stream_.get_executor();
  Session* raw = s.get();
  asio::co_spawn(ex, raw->run(std::move(s)), [](const std::exception_ptr& e) {
    // Last line of defence: an exception ends this connection only.
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::line(std::string("connection ended by an internal error: ") + ex.what());
    }
  });
}

void Session::drain() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->draining_ = true;
    if (self->idle_) self->stream_.cancel();
  });
}

asio::awaitable<void> Session::run(std::shared_ptr<Session> self) {
  (void)self;  // the coroutine frame owns the session
  if (co_await handshake()) co_await serve();
  boost::system::error_code ec;
  stream_.expires_after(seconds(2));
  co_await stream_.async_shutdown(redirect_error(use_awaitable, ec));
}

asio::awaitable<bool> Session::handshake() {
  boost::system::error_code ec;
  stream_.expires_after(svc_.cfg.server.handshake_timeout);
  co_await stream_.async_handshake(redirect_error(use_awaitable, ec));
  svc_.metrics.count_handshake(!ec);
  if (!ec) co_return true;
  audit::Record r;
  r.event = audit::Event::tls_handshake_failed;
  r.remote_ip = ip_;
  const long verify = SSL_get_verify_result(stream_.native_handle());
  r.reason = verify != X509_V_OK
                 ? std::string("client certificate: ") + X509_verify_cert_error_string(verify)
                 : ec.message();
  svc_.report(std::move(r));
  pki::clear_ossl_errors();
  stream_.discard_input();  // the alert, not a reset, is what the client reads
  co_return false;
}

asio::awaitable<bool> Session::read_request(http::RequestReader& reader, bool first) {
  const auto& cfg = svc_.cfg.server;
  auto& tcp = stream_;
  // Between requests the connection may sit idle for idle_timeout; once the next request
  // starts, its header must arrive within header_timeout (slow loris), then the rest
  // within read_timeout.
  idle_ = !first && !reader.buffered();
  tcp.expires_after(idle_ ? cfg.idle_timeout : cfg.header_timeout);
  if (idle_) {
    // Idle: no read buffer while waiting (the reader's and OpenSSL's are released; the
    // read below takes one only once bytes arrived).
    reader.release_buffer();
    stream_.release_buffers();
    boost::system::error_code ec;
    co_await stream_.async_wait_readable(redirect_error(use_awaitable, ec));
    if (ec) co_return false;
  }
  bool body_clock = false;
  while (reader.state() == http::RequestReader::State::need_more) {
    boost::system::error_code ec;
    const std::size_t n =
        co_await stream_.async_read_some(reader.prepare(), redirect_error(use_awaitable, ec));
    if (ec) co_return false;  // EOF, reset, timeout, drain: nothing to answer
    if (idle_) {
      idle_ = false;
      tcp.expires_after(cfg.header_timeout);
    }
    reader.commit(n);
    if (!body_clock && reader.header_done()) {
      body_clock = true;
      tcp.expires_after(cfg.read_timeout);
    }
  }
  idle_ = false;
  co_return true;
}

asio::awaitable<void> Session::linger() {
  // RFC 9112 §9.6: closing with unread input makes the kernel answer with a reset, which
  // can destroy the response before the client reads it. Read and discard for a bounded
  // time and byte count first (nginx's lingering_close), then close.
  stream_.expires_after(kLingerTime);
  std::string sink(http::kReadSize, '\0');
  for (std::uint64_t total = 0; total < kLingerBytes;) {
    boost::system::error_code ec;
    total +=
        co_await stream_.async_read_some(asio::buffer(sink), redirect_error(use_awaitable, ec));
    if (ec) break;
  }
}

bool Session::banned() const {
  return svc_.bans.banned(key_, steady_seconds());
}

http::Response Session::answer_refusal(const http::RequestReader& reader) const {
  const auto& refusal = reader.refusal();
  return http::error(refusal.status, bhttp::obsolete_reason(refusal.status));
}

asio::awaitable<http::Response> Session::answer(http::Request& req, const Client& client) {
  const auto started = std::chrono::steady_clock::now();
  const Route route_kind = classify(http::target_path(req.target()));
  http::Response res;
  try {
    res = co_await route(svc_, req, client);
  } catch (const std::exception& e) {
    log::line(std::string("request failed: ") + e.what());
    res = http::error(bhttp::status::internal_server_error, "internal error");
  }
  svc_.metrics.observe_request(
      route_kind,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return res;
}

asio::awaitable<void> Session::serve() {
  const tls::Peer peer = tls::read_peer(stream_.native_handle());
  const Client client{peer, ip_};
  const auto& cfg = svc_.cfg.server;
  http::RequestReader reader({cfg.max_header_bytes, cfg.max_body_bytes});
  for (bool first = true;; first = false) {
    if (!first) reader.next();
    // A ban closes the client's connections: none of its requests is served after it
    // (the ban list also wakes idle connections through Connections::close_client).
    if (banned()) break;
    if (!reader.buffered() && (draining_ || svc_.draining.load())) break;
    if (!co_await read_request(reader, first)) break;
    if (banned()) break;
    http::Response res;
    bool keep = false;
    bool is_head = false;
    unsigned version = 11;
    const bool refused = reader.state() == http::RequestReader::State::refused;
    if (refused) {
      res = answer_refusal(reader);
    } else {
      http::Request req = reader.release();
      res = co_await answer(req, client);
      keep = req.keep_alive();
      is_head = req.method() == bhttp::verb::head;
      version = req.version();
    }
    keep = keep && !draining_ && !svc_.draining.load() && !banned();
    http::finish(res, {version, is_head, keep, cfg.hsts});
    stream_.expires_after(cfg.write_timeout);
    boost::system::error_code ec;
    co_await bhttp::async_write(stream_, res, redirect_error(use_awaitable, ec));
    if (ec) break;
    if (keep) continue;
    // Closing with input still unread (a refused request, pipelined requests): linger.
    if (refused || reader.buffered()) co_await linger();
    break;
  }
}

}  // namespace gw::server
