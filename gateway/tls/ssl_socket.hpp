// SPDX-License-Identifier: Apache-2.0
#pragma once
// A TLS server connection that drives OpenSSL on the socket itself: the SSL object reads
// and writes the non-blocking file descriptor (SSL_set_fd), and when OpenSSL wants the
// socket readable or writable the operation waits with the socket's async_wait. There is
// no buffer of its own between OpenSSL and the kernel (asio::ssl::stream's engine keeps
// a BIO pair and two 17 KiB vectors per connection, ~70 KB: docs/benchmarks.md); with
// SSL_MODE_RELEASE_BUFFERS OpenSSL frees its record buffers while the connection is idle.
//
// It is what the session and Beast need of a stream: async_read_some/async_write_some
// (so beast::http::async_write works on it), the handshake, a shutdown, and a deadline
// with beast::tcp_stream's meaning: expires_after(d) bounds every operation until the
// next expires_after/expires_never; past it operations fail with beast::error::timeout.
// One operation at a time in each direction, all on the socket's executor (a strand).
#include <openssl/ssl.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/defer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace gw::tls {

// beast::error::timeout, as beast::tcp_stream reports an expired deadline.
[[nodiscard]] boost::system::error_code timeout_error();

class SslSocket {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using error_code = boost::system::error_code;

  // The SSL object is made from `ctx` in accept (server) state; throws on failure.
  SslSocket(boost::asio::ip::tcp::socket socket, SSL_CTX* ctx);
  ~SslSocket();
  SslSocket(const SslSocket&) = delete;
  SslSocket& operator=(const SslSocket&) = delete;

  [[nodiscard]] executor_type get_executor() noexcept { return socket_.get_executor(); }
  [[nodiscard]] SSL* native_handle() const noexcept { return ssl_; }
  boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }

  void expires_after(std::chrono::steady_clock::duration d);
  void expires_never();
  // Ends the operation under way (operation_aborted); the deadline stays as it was.
  void cancel();
  // Reads and drops what the peer already sent (non-blocking, at most 64 KiB). After a
  // failed handshake the rest of the client's flight is still unread: closing over it
  // makes the kernel answer with a reset, which can destroy the alert before the client
  // reads it (OpenSSL reads record by record; asio's engine had read the whole flight).
  void discard_input();
  // Frees the write-coalescing buffer (between requests).
  void release_buffers();

  template <class Token>
  auto async_handshake(Token&& token) {
    return async_op(Kind::handshake, boost::asio::mutable_buffer(), std::forward<Token>(token));
  }
  // Sends close_notify and waits (within the deadline) for the peer's.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return async_op(Kind::shutdown, boost::asio::mutable_buffer(), std::forward<Token>(token));
  }
  // Completes when application data can be read without waiting (decrypted bytes are
  // pending, or the socket is readable): an idle connection waits here with no buffer.
  template <class Token>
  auto async_wait_readable(Token&& token) {
    return async_op(Kind::wait_read, boost::asio::mutable_buffer(), std::forward<Token>(token));
  }
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return async_op(Kind::read, first_buffer(buffers), std::forward<Token>(token));
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return async_op(Kind::write, gather(buffers), std::forward<Token>(token));
  }

 private:
  enum class Kind { handshake, read, write, shutdown, wait_read };
  enum class Want { none, read, write };
  struct Deadline {
    std::uint64_t generation = 0;
    bool expired = false;
  };

  // One step of an operation: done (with ec and bytes) or waiting for the socket.
  struct Step {
    Want want = Want::none;
    error_code ec;
    std::size_t bytes = 0;
  };
  Step step(Kind kind, boost::asio::mutable_buffer& buf);
  [[nodiscard]] bool expired() const { return deadline_->expired; }

  template <class Buffers>
  static boost::asio::mutable_buffer first_buffer(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::mutable_buffer b(*it);
      if (b.size() > 0) return b;
    }
    return {};
  }
  // One TLS record's worth: the first buffer when it is large enough on its own, else the
  // sequence's first 16 KiB copied into the thread's scratch buffer (Beast hands a
  // response over as many small buffers; one SSL_write per buffer would send one record
  // each). Only a write that has to wait for the socket copies the bytes into wbuf_.
  template <class Buffers>
  static boost::asio::mutable_buffer gather(const Buffers& buffers) {
    std::size_t count = 0;
    boost::asio::const_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::const_buffer b(*it);
      if (b.size() == 0) continue;
      if (count++ == 0) first = b;
    }
    if (count <= 1 || first.size() >= kRecord) {
      return {const_cast<void*>(first.data()), std::min(first.size(), kRecord)};
    }
    char* scratch = scratch_buffer();
    const std::size_t n = boost::asio::buffer_copy(boost::asio::buffer(scratch, kRecord), buffers);
    return {scratch, n};
  }
  static char* scratch_buffer();

  struct Op;
  template <class Token>
  auto async_op(Kind kind, boost::asio::mutable_buffer buf, Token&& token);

  static constexpr std::size_t kRecord = 16 * 1024;

  boost::asio::ip::tcp::socket socket_;
  SSL* ssl_ = nullptr;
  boost::asio::steady_timer timer_;
  std::shared_ptr<Deadline> deadline_;
  std::string wbuf_;
};

struct SslSocket::Op {
  SslSocket* s;
  Kind kind;
  boost::asio::mutable_buffer buf;
  int state = 0;  // 0 start, 1 waiting on the socket, 2 posted result
  Step result{};

  template <class Self>
  void operator()(Self& self, error_code ec = {}) {
    if (state == 2) {
      self.complete(result.ec, result.bytes);
      return;
    }
    const bool first = state == 0;
    if (!first) {
      if (s->expired()) ec = boost::asio::error::timed_out;
      if (ec) {
        // A wait ended by the deadline is a timeout; by cancel() it is operation_aborted.
        if (s->expired()) ec = make_timeout();
        self.complete(ec, 0);
        return;
      }
    } else if (s->expired()) {
      finish(self, Step{Want::none, make_timeout(), 0});
      return;
    }
    if (!first && kind == Kind::wait_read) {
      self.complete(ec, 0);  // the socket is readable
      return;
    }
    const Step r = s->step(kind, buf);
    if (r.want == Want::none) {
      if (first) {
        finish(self, r);  // never complete inside the initiating call
      } else {
        self.complete(r.ec, r.bytes);
      }
      return;
    }
    state = 1;
    s->socket_.async_wait(r.want == Want::read ? boost::asio::socket_base::wait_read
                                               : boost::asio::socket_base::wait_write,
                          std::move(self));
  }
  template <class Self>
  void finish(Self& self, const Step& r) {
    result = r;
    state = 2;
    // defer, not post: from the connection's strand it is a continuation, queued on this
    // thread without waking the other threads (a post woke one per operation).
    boost::asio::defer(s->socket_.get_executor(), std::move(self));
  }
  static error_code make_timeout() { return timeout_error(); }
};

template <class Token>
auto SslSocket::async_op(Kind kind, boost::asio::mutable_buffer buf, Token&& token) {
  return boost::asio::async_compose<Token, void(error_code, std::size_t)>(Op{this, kind, buf},
                                                                          token, socket_);
}

}  // namespace gw::tls
