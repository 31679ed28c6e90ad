#pragma once
// The reverse proxy's side towards the backend: plain HTTP/1.1 over a pool of
// keep-alive connections. A request takes an idle connection (or opens one), and gives
// it back when the exchange ended cleanly and both sides want to keep it.
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

namespace gw::proxy {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

enum class Failure { none, unreachable, timeout };

struct Exchange {
  Failure failure = Failure::none;
  Response response;  // valid when failure == none
  std::string detail;
};

class BackendPool {
 public:
  BackendPool(boost::asio::io_context& ioc, const config::Backend& cfg);
  // Sends the request (already rewritten for the backend) and reads the response.
  // Never throws; the whole exchange is bounded by backend.timeout.
  boost::asio::awaitable<Exchange> send(Request req);
  [[nodiscard]] std::size_t idle_count();

 private:
  struct Idle {
    std::unique_ptr<boost::beast::tcp_stream> stream;
    std::chrono::steady_clock::time_point since;
  };
  std::unique_ptr<boost::beast::tcp_stream> take_idle();
  void give_back(std::unique_ptr<boost::beast::tcp_stream> s);
  boost::asio::awaitable<Exchange> attempt(boost::beast::tcp_stream& s, const Request& req,
                                           bool& reusable, bool& nothing_received);

  boost::asio::io_context& ioc_;
  const config::Backend& cfg_;
  std::mutex mu_;
  std::vector<Idle> idle_;
};

// Response bodies from the backend are bounded too.
inline constexpr std::uint64_t kMaxBackendBody = 64ULL << 20;

}  // namespace gw::proxy
