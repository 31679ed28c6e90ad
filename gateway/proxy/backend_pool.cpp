#include "gateway/proxy/backend_pool.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace gw::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::redirect_error;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

// A pooled connection idle this long may have been closed by the backend; drop it
// rather than risk a failed first write.
constexpr auto kMaxIdle = std::chrono::seconds(20);

Failure classify(const boost::system::error_code& ec) {
  return ec == beast::error::timeout ? Failure::timeout : Failure::unreachable;
}

bool idempotent(http::verb v) {
  return v == http::verb::get || v == http::verb::head || v == http::verb::put ||
         v == http::verb::delete_ || v == http::verb::options;
}

}  // namespace

BackendPool::BackendPool(asio::io_context& ioc, const config::Backend& cfg)
    : ioc_(ioc), cfg_(cfg) {}

std::unique_ptr<beast::tcp_stream> BackendPool::take_idle() {
  const std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  while (!idle_.empty()) {
    Idle i = std::move(idle_.back());
    idle_.pop_back();
    if (now - i.since < kMaxIdle) return std::move(i.stream);
  }
  return nullptr;
}

void BackendPool::give_back(std::unique_ptr<beast::tcp_stream> s) {
  const std::lock_guard lock(mu_);
  if (idle_.size() >= cfg_.pool_size) return;  // closes it
  idle_.push_back({std::move(s), std::chrono::steady_clock::now()});
}

std::size_t BackendPool::idle_count() {
  const std::lock_guard lock(mu_);
  return idle_.size();
}

asio::awaitable<Exchange> BackendPool::attempt(beast::tcp_stream& s, const Request& req,
                                               bool& reusable, bool& nothing_received) {
  boost::system::error_code ec;
  Exchange ex;
  s.expires_after(std::chrono::seconds(cfg_.timeout));
  co_await http::async_write(s, req, redirect_error(use_awaitable, ec));
  if (ec) {
    ex.failure = classify(ec);
    ex.detail = "write: " + ec.message();
    co_return ex;
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBackendBody);
  parser.header_limit(64 * 1024);
  co_await http::async_read(s, buf, parser, redirect_error(use_awaitable, ec));
  nothing_received = !parser.got_some() && buf.size() == 0;
  if (ec) {
    ex.failure = classify(ec);
    ex.detail = "read: " + ec.message();
    co_return ex;
  }
  ex.response = parser.release();
  reusable = ex.response.keep_alive() && buf.size() == 0;
  co_return ex;
}

asio::awaitable<Exchange> BackendPool::send(Request req) {
  req.keep_alive(true);
  req.prepare_payload();
  boost::system::error_code ec;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(cfg_.timeout);
  // A pooled connection may have been closed by the backend in the meantime: an
  // idempotent request that got no byte back is retried once on a fresh connection
  // (RFC 9110 §9.2.2). A non-idempotent one is not.
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<beast::tcp_stream> s = take_idle();
    const bool pooled = s != nullptr;
    if (!s) {
      s = std::make_unique<beast::tcp_stream>(ioc_);
      tcp::resolver resolver(co_await asio::this_coro::executor);
      const auto results =
          co_await resolver.async_resolve(cfg_.host, cfg_.port, redirect_error(use_awaitable, ec));
      if (ec) co_return Exchange{Failure::unreachable, {}, "resolve: " + ec.message()};
      s->expires_at(deadline);
      co_await s->async_connect(results, redirect_error(use_awaitable, ec));
      if (ec) co_return Exchange{classify(ec), {}, "connect: " + ec.message()};
    }
    bool reusable = false;
    bool nothing_received = false;
    Exchange ex = co_await attempt(*s, req, reusable, nothing_received);
    if (ex.failure == Failure::none) {
      if (reusable) give_back(std::move(s));
      co_return ex;
    }
    const bool retry = pooled && nothing_received && ex.failure == Failure::unreachable &&
                       idempotent(req.method());
    if (!retry) co_return ex;
  }
  co_return Exchange{Failure::unreachable, {}, "backend closed the connection"};
}

}  // namespace gw::proxy
