#include "gateway/server/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>

#include "core/error.hpp"
#include "gateway/server/routes.hpp"

namespace gw::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::redirect_error;
using asio::use_awaitable;
using std::chrono::seconds;

// Parser errors a client caused get a status; anything else (EOF, timeout, reset)
// just ends the connection.
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

// The fixed route labels of the metrics (gw::metrics::Metrics::kRoutes).
std::string_view route_name(std::string_view path) {
  if (path.starts_with("/api/")) return "api";
  if (path == "/auth/token") return "auth_token";
  if (path == "/.well-known/jwks.json") return "jwks";
  if (path == "/healthz") return "healthz";
  if (path == "/readyz") return "readyz";
  if (path == "/admin/revoke") return "admin_revoke";
  if (path == "/admin/deny-jti") return "admin_deny_jti";
  return "other";
}

}  // namespace

Session::Session(Services& svc, Connections& conns, asio::ip::tcp::socket socket,
                 std::shared_ptr<asio::ssl::context> ctx, std::string remote_ip)
    : svc_(svc),
      conns_(conns),
      ctx_(std::move(ctx)),
      stream_(std::move(socket), *ctx_),
      ip_(std::move(remote_ip)) {}

Session::~Session() {
  conns_.leave(id_, ip_);
}

void Session::start(std::shared_ptr<Session> s) {
  s->id_ = s->conns_.attach(s);
  auto ex = s->stream_.get_executor();
  Session* raw = s.get();
  asio::co_spawn(ex, raw->run(std::move(s)), [](const std::exception_ptr& e) {
    // Last line of defence: an exception ends this connection only.
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::fprintf(stderr, "iot-gateway: connection ended by an internal error: %s\n", ex.what());
    }
  });
}

void Session::drain() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->draining_ = true;
    if (self->idle_) beast::get_lowest_layer(self->stream_).cancel();
  });
}

asio::awaitable<void> Session::run(std::shared_ptr<Session> self) {
  (void)self;  // the coroutine frame owns the session
  if (co_await handshake()) co_await serve();
  boost::system::error_code ec;
  beast::get_lowest_layer(stream_).expires_after(seconds(2));
  co_await stream_.async_shutdown(redirect_error(use_awaitable, ec));
}

asio::awaitable<bool> Session::handshake() {
  boost::system::error_code ec;
  beast::get_lowest_layer(stream_).expires_after(seconds(svc_.cfg.server.handshake_timeout));
  co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                   redirect_error(use_awaitable, ec));
  svc_.metrics.count_handshake(!ec);
  if (!ec) co_return true;
  audit::Record r;
  r.event = audit::event::kTlsHandshakeFailed;
  r.remote_ip = ip_;
  const long verify = SSL_get_verify_result(stream_.native_handle());
  r.reason = verify != X509_V_OK
                 ? std::string("client certificate: ") + X509_verify_cert_error_string(verify)
                 : ec.message();
  svc_.fail(std::move(r));
  pki::clear_ossl_errors();
  co_return false;
}

asio::awaitable<void> Session::serve() {
  const tls::Peer peer = tls::read_peer(stream_.native_handle());
  const Client client{peer, ip_};
  const auto& cfg = svc_.cfg.server;
  auto& tcp = beast::get_lowest_layer(stream_);
  beast::flat_buffer buf;
  for (bool first = true;; first = false) {
    boost::system::error_code ec;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
    parser.body_limit(cfg.max_body_bytes);
    idle_ = buf.size() == 0;
    if (idle_ && (draining_ || svc_.draining.load())) break;
    if (!first && idle_) {
      // Between requests the connection may sit idle for idle_timeout; once the next
      // request starts, its header must arrive within header_timeout (slow loris).
      tcp.expires_after(seconds(cfg.idle_timeout));
      const std::size_t n =
          co_await stream_.async_read_some(buf.prepare(4096), redirect_error(use_awaitable, ec));
      if (ec) break;
      buf.commit(n);
    }
    idle_ = false;
    tcp.expires_after(seconds(cfg.header_timeout));
    co_await bhttp::async_read_header(stream_, buf, parser, redirect_error(use_awaitable, ec));
    if (!ec) {
      tcp.expires_after(seconds(cfg.read_timeout));
      co_await bhttp::async_read(stream_, buf, parser, redirect_error(use_awaitable, ec));
    }
    http::Response res;
    bool keep = false;
    if (ec) {
      const auto status = status_for(ec);
      if (!status) break;
      res = http::error(*status, bhttp::obsolete_reason(*status));
    } else {
      http::Request req = parser.release();
      const auto started = std::chrono::steady_clock::now();
      const std::string_view route_kind =
          route_name(req.target().substr(0, req.target().find('?')));
      try {
        res = co_await route(svc_, req, client);
        keep = req.keep_alive();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "iot-gateway: request failed: %s\n", e.what());
        res = http::error(bhttp::status::internal_server_error, "internal error");
      }
      svc_.metrics.observe_request(
          route_kind,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      res.version(req.version());
      if (req.method() == bhttp::verb::head) {
        res.prepare_payload();
        res.body().clear();  // Content-Length stays: it describes the GET answer
      }
    }
    keep = keep && !draining_ && !svc_.draining.load();
    res.keep_alive(keep);
    tcp.expires_after(seconds(cfg.write_timeout));
    co_await bhttp::async_write(stream_, res, redirect_error(use_awaitable, ec));
    if (ec || !keep) break;
  }
}

}  // namespace gw::server
