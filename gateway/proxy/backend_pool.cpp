// SPDX-License-Identifier: Apache-2.0
#include "gateway/proxy/backend_pool.hpp"

#include <poll.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>

#include "x509/names.hpp"

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

// Nothing is waiting to be read: no byte, no end of stream. A connection with bytes the
// gateway did not ask for (an unsolicited response) or a half-closed one is not reused.
bool quiet(beast::tcp_stream& s) {
  pollfd p{s.socket().native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

// What the gateway writes into X-Device-ID is a device id, whoever supplied it.
bool identity_ok(const Request& req) {
  return req.count("X-Device-ID") == 1 && pki::x509::is_valid_device_id(req["X-Device-ID"]);
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
    if (now - i.since < kMaxIdle && quiet(*i.stream)) return std::move(i.stream);
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

asio::awaitable<BackendPool::Attempt> BackendPool::attempt(
    beast::tcp_stream& s, const Request& req, std::chrono::steady_clock::time_point deadline) {
  boost::system::error_code ec;
  Attempt at;
  s.expires_at(deadline);
  co_await http::async_write(s, req, redirect_error(use_awaitable, ec));
  if (ec) {
    // Nothing was read: an idempotent request on a connection the backend had closed
    // may be retried on a fresh one.
    at.nothing_received = true;
    at.exchange = {classify(ec), {}, "write: " + ec.message()};
    co_return at;
  }
  ResponseReader reader(req.method() == http::verb::head);
  std::array<char, 16 * 1024> chunk{};
  while (reader.state() == ResponseReader::State::need_more) {
    const std::size_t n =
        co_await s.async_read_some(asio::buffer(chunk), redirect_error(use_awaitable, ec));
    reader.feed({chunk.data(), n});
    if (ec == asio::error::eof) {
      reader.feed_eof();
    } else if (ec) {
      at.nothing_received = !reader.got_some();
      at.exchange = {classify(ec), {}, "read: " + ec.message()};
      co_return at;
    }
  }
  at.nothing_received = !reader.got_some();
  if (reader.state() == ResponseReader::State::failed) {
    at.exchange = {Failure::unreachable, {}, "read: " + reader.error()};
    co_return at;
  }
  at.exchange.response = reader.release();
  // A backend may answer an error before it read the body it was sent (RFC 9112 §9.3
  // allows it only if it then closes): its unread body would be parsed as the next
  // request on this connection. Such a connection is not reused.
  const bool early_error = !req.body().empty() && at.exchange.response.result_int() >= 400;
  at.reusable = reader.reusable() && !early_error && quiet(s);
  co_return at;
}

asio::awaitable<Exchange> BackendPool::send(Request req) {
  if (!identity_ok(req)) co_return Exchange{Failure::unreachable, {}, "no valid X-Device-ID"};
  req.keep_alive(true);
  req.prepare_payload();
  boost::system::error_code ec;
  const auto deadline = std::chrono::steady_clock::now() + cfg_.timeout;
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
    Attempt at = co_await attempt(*s, req, deadline);
    // Only a clean, complete exchange gives the connection back; every other outcome
    // (timeout included: the late answer would reach the next device) destroys it here.
    if (at.exchange.failure == Failure::none) {
      if (at.reusable) give_back(std::move(s));
      co_return std::move(at.exchange);
    }
    const bool retry = pooled && at.nothing_received &&
                       at.exchange.failure == Failure::unreachable && idempotent(req.method());
    if (!retry) co_return std::move(at.exchange);
  }
  co_return Exchange{Failure::unreachable, {}, "backend closed the connection"};
}

}  // namespace gw::proxy
