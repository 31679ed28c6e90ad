// SPDX-License-Identifier: Apache-2.0
// proxy::BackendPool against a real HTTP/1.1 backend on 127.0.0.1: a Boost.Asio
// acceptor on its own thread (its own io_context), which numbers its connections and
// the requests on each so that the test sees which connection served what. The pool
// runs on the test thread's io_context, each run bounded by run_for.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/proxy/backend_pool.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::redirect_error;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using gw::proxy::Exchange;
using gw::proxy::Failure;

enum class Mode {
  keep_alive,        // answers every request and keeps the connection
  connection_close,  // answers with Connection: close and closes
  close_when_idle,   // answers keep-alive, then closes the idle connection 50 ms later
  silent,            // reads the request and never answers
};

class Backend {
 public:
  explicit Backend(Mode mode) : mode_(mode) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Backend() {
    ioc_.stop();
    thread_.join();
  }
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  [[nodiscard]] std::string port() const {
    return std::to_string(acceptor_.local_endpoint().port());
  }
  [[nodiscard]] int connections() const { return accepted_.load(); }
  [[nodiscard]] int requests() const { return requests_.load(); }
  [[nodiscard]] int closed() const { return closed_.load(); }

 private:
  asio::awaitable<void> accept_loop() {
    for (int n = 0; n < 64; ++n) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor_.async_accept(redirect_error(use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(ioc_, session(std::move(s), ++accepted_), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket s, int id) {
    boost::system::error_code ec;
    beast::flat_buffer buf;
    for (int m = 1; m <= 16; ++m) {
      http::request<http::string_body> req;
      co_await http::async_read(s, buf, req, redirect_error(use_awaitable, ec));
      if (ec) co_return;
      ++requests_;
      if (mode_ == Mode::silent) {
        // Holds the connection open without a byte until the client gives up.
        char c = 0;
        co_await s.async_read_some(asio::buffer(&c, 1), redirect_error(use_awaitable, ec));
        co_return;
      }
      const std::string body =
          "conn=" + std::to_string(id) + " req=" + std::to_string(m) + " body=" + req.body();
      std::string out = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n" + (mode_ == Mode::connection_close ? "Connection: close\r\n" : "") +
                        "\r\n" + body;
      co_await asio::async_write(s, asio::buffer(out), redirect_error(use_awaitable, ec));
      if (ec) co_return;
      if (mode_ == Mode::connection_close) {
        s.shutdown(tcp::socket::shutdown_both, ec);
        s.close(ec);
        ++closed_;
        co_return;
      }
      if (mode_ == Mode::close_when_idle) {
        asio::steady_timer t(ioc_, 50ms);
        co_await t.async_wait(redirect_error(use_awaitable, ec));
        s.close(ec);
        ++closed_;
        co_return;
      }
    }
  }

  const Mode mode_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> closed_{0};
  std::thread thread_;
};

gw::config::Backend config_for(const Backend& b, std::uint64_t pool_size,
                               std::chrono::milliseconds timeout) {
  gw::config::Backend cfg;
  cfg.host = "127.0.0.1";
  cfg.port = b.port();
  cfg.url = "http://127.0.0.1:" + cfg.port;
  cfg.pool_size = pool_size;
  cfg.timeout = timeout;
  return cfg;
}

gw::proxy::Request request(http::verb verb = http::verb::get, const std::string& body = "") {
  gw::proxy::Request req(verb, "/api/thing", 11);
  req.set(http::field::host, "backend");
  req.set("X-Device-ID", "dev-0001");
  req.body() = body;
  return req;
}

// Sends `reqs` concurrently through the pool and runs the io_context until every
// exchange ended (10 s at most).
std::vector<Exchange> send_all(asio::io_context& ioc, gw::proxy::BackendPool& pool,
                               std::vector<gw::proxy::Request> reqs) {
  std::vector<std::optional<Exchange>> got(reqs.size());
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    asio::co_spawn(ioc, pool.send(std::move(reqs[i])),
                   [&got, i](const std::exception_ptr& e, Exchange x) {
                     if (!e) got[i] = std::move(x);
                   });
  }
  ioc.restart();
  ioc.run_for(10s);
  std::vector<Exchange> out;
  for (auto& g : got) {
    REQUIRE(g.has_value());
    out.push_back(std::move(*g));
  }
  return out;
}

Exchange send_one(asio::io_context& ioc, gw::proxy::BackendPool& pool,
                  gw::proxy::Request req = request()) {
  std::vector<gw::proxy::Request> one;
  one.push_back(std::move(req));
  return std::move(send_all(ioc, pool, std::move(one)).front());
}

// Waits (2 s at most) until `pred` holds.
template <class Pred>
bool eventually(Pred pred) {
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (!pred() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(2ms);
  return pred();
}

}  // namespace

TEST_CASE("a request goes through and its connection is reused for the next one") {
  const Backend backend(Mode::keep_alive);
  asio::io_context ioc;
  const auto cfg = config_for(backend, 4, 5000ms);
  gw::proxy::BackendPool pool(ioc, cfg);

  const Exchange first = send_one(ioc, pool);
  REQUIRE(first.failure == Failure::none);
  CHECK(first.response.result_int() == 200);
  CHECK(first.response.body() == "conn=1 req=1 body=");
  CHECK(pool.idle_count() == 1);

  const Exchange second = send_one(ioc, pool, request(http::verb::post, "payload"));
  REQUIRE(second.failure == Failure::none);
  CHECK(second.response.body() == "conn=1 req=2 body=payload");
  CHECK(pool.idle_count() == 1);
  CHECK(backend.connections() == 1);
  CHECK(backend.requests() == 2);
}

TEST_CASE("a connection the backend answers with Connection: close is not put back") {
  const Backend backend(Mode::connection_close);
  asio::io_context ioc;
  const auto cfg = config_for(backend, 4, 5000ms);
  gw::proxy::BackendPool pool(ioc, cfg);

  const Exchange first = send_one(ioc, pool);
  REQUIRE(first.failure == Failure::none);
  CHECK(first.response.body() == "conn=1 req=1 body=");
  CHECK(pool.idle_count() == 0);
  const Exchange second = send_one(ioc, pool);
  REQUIRE(second.failure == Failure::none);
  CHECK(second.response.body() == "conn=2 req=1 body=");
  CHECK(backend.connections() == 2);
}

TEST_CASE("a pooled connection the backend closed while idle is not used again") {
  const Backend backend(Mode::close_when_idle);
  asio::io_context ioc;
  const auto cfg = config_for(backend, 4, 5000ms);
  gw::proxy::BackendPool pool(ioc, cfg);

  const Exchange first = send_one(ioc, pool);
  REQUIRE(first.failure == Failure::none);
  CHECK(first.response.body() == "conn=1 req=1 body=");
  CHECK(pool.idle_count() == 1);  // it ended cleanly: pooled
  REQUIRE(eventually([&] { return backend.closed() == 1; }));
  std::this_thread::sleep_for(10ms);  // the FIN crosses loopback

  // A POST is never retried: it succeeds only because the dead connection is left out
  // before anything is written to it.
  const Exchange second = send_one(ioc, pool, request(http::verb::post, "once"));
  REQUIRE(second.failure == Failure::none);
  CHECK(second.response.body() == "conn=2 req=1 body=once");
  CHECK(backend.connections() == 2);
  CHECK(backend.requests() == 2);
}

TEST_CASE("the pool never holds more than pool_size idle connections") {
  const Backend backend(Mode::keep_alive);
  asio::io_context ioc;
  const auto cfg = config_for(backend, 2, 5000ms);
  gw::proxy::BackendPool pool(ioc, cfg);

  // Five at once: no idle connection exists when they start, so each opens its own.
  std::vector<gw::proxy::Request> reqs;
  for (int i = 0; i < 5; ++i) reqs.push_back(request());
  for (const Exchange& x : send_all(ioc, pool, std::move(reqs))) {
    CHECK(x.failure == Failure::none);
  }
  CHECK(backend.connections() == 5);
  CHECK(pool.idle_count() == 2);

  // The next ones take the two kept connections; none is opened.
  reqs.clear();
  for (int i = 0; i < 2; ++i) reqs.push_back(request());
  for (const Exchange& x : send_all(ioc, pool, std::move(reqs))) {
    CHECK(x.failure == Failure::none);
    CHECK(x.response.body().find(" req=2 ") != std::string::npos);
  }
  CHECK(backend.connections() == 5);
  CHECK(pool.idle_count() == 2);
}

TEST_CASE("a backend that does not answer times out within backend.timeout") {
  const Backend backend(Mode::silent);
  asio::io_context ioc;
  const auto cfg = config_for(backend, 4, 300ms);
  gw::proxy::BackendPool pool(ioc, cfg);

  const auto start = std::chrono::steady_clock::now();
  const Exchange x = send_one(ioc, pool);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(x.failure == Failure::timeout);
  CHECK(took >= 290ms);
  CHECK(took < 1500ms);
  CHECK(backend.requests() == 1);  // it was sent, and the answer never came
  CHECK(pool.idle_count() == 0);   // a late answer must not reach the next request
}

TEST_CASE("a request without a valid X-Device-ID is never sent to the backend") {
  const Backend backend(Mode::keep_alive);
  asio::io_context ioc;
  const auto cfg = config_for(backend, 4, 5000ms);
  gw::proxy::BackendPool pool(ioc, cfg);

  gw::proxy::Request none = request();
  none.erase("X-Device-ID");
  gw::proxy::Request bad = request();
  bad.set("X-Device-ID", "../etc");
  gw::proxy::Request two = request();
  two.insert("X-Device-ID", "dev-0002");
  for (auto* r : {&none, &bad, &two}) {
    const Exchange x = send_one(ioc, pool, std::move(*r));
    CHECK(x.failure == Failure::unreachable);
  }
  CHECK(backend.connections() == 0);
}
