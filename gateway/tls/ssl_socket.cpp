// SPDX-License-Identifier: Apache-2.0
#include "gateway/tls/ssl_socket.hpp"

#include <openssl/err.h>

#include <sys/socket.h>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

#include <array>
#include <cerrno>
#include <stdexcept>

namespace gw::tls {

namespace asio = boost::asio;

boost::system::error_code timeout_error() {
  return boost::beast::error::timeout;
}

SslSocket::SslSocket(asio::ip::tcp::socket socket, SSL_CTX* ctx)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      deadline_(std::make_shared<Deadline>()) {
  ssl_ = SSL_new(ctx);
  if (ssl_ == nullptr) throw std::runtime_error("SSL_new failed");
  error_code ec;
  socket_.non_blocking(true, ec);
  if (ec || SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle())) != 1) {
    SSL_free(ssl_);
    throw std::runtime_error("cannot attach TLS to the socket");
  }
  SSL_set_accept_state(ssl_);
  // A write that waits is retried from wbuf_ instead of the thread's scratch buffer.
  SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

char* SslSocket::scratch_buffer() {
  thread_local const std::unique_ptr<char[]> buf(new char[kRecord]);
  return buf.get();
}

SslSocket::~SslSocket() {
  timer_.cancel();
  SSL_free(ssl_);  // the socket closes the descriptor after this
}

void SslSocket::expires_after(std::chrono::steady_clock::duration d) {
  const std::uint64_t gen = ++deadline_->generation;
  deadline_->expired = false;
  timer_.expires_after(d);
  // The handler holds no pointer to this object: only the deadline's shared state, and
  // the socket through it while the object lives (it cancels the timer when destroyed).
  timer_.async_wait([weak = std::weak_ptr<Deadline>(deadline_), gen, this](error_code ec) {
    if (ec) return;
    const auto d = weak.lock();
    if (!d || d->generation != gen) return;
    d->expired = true;
    error_code ignored;
    socket_.cancel(ignored);
  });
}

void SslSocket::expires_never() {
  ++deadline_->generation;
  deadline_->expired = false;
  timer_.cancel();
}

void SslSocket::cancel() {
  error_code ignored;
  socket_.cancel(ignored);
}

void SslSocket::discard_input() {
  std::array<char, 4096> sink{};
  for (int i = 0; i < 16; ++i) {
    const ssize_t n = ::recv(socket_.native_handle(), sink.data(), sink.size(), MSG_DONTWAIT);
    if (n <= 0) break;
  }
}

void SslSocket::release_buffers() {
  std::string().swap(wbuf_);
}

SslSocket::Step SslSocket::step(Kind kind, asio::mutable_buffer& buf) {
  ERR_clear_error();
  errno = 0;
  int rc = 1;
  std::size_t n = 0;
  switch (kind) {
    case Kind::handshake:
      rc = SSL_do_handshake(ssl_);
      break;
    case Kind::read:
      if (buf.size() == 0) return {};
      rc = SSL_read_ex(ssl_, buf.data(), buf.size(), &n);
      break;
    case Kind::write:
      if (buf.size() == 0) return {};
      rc = SSL_write_ex(ssl_, buf.data(), buf.size(), &n);
      break;
    case Kind::shutdown:
      rc = SSL_shutdown(ssl_);
      if (rc == 0) rc = SSL_shutdown(ssl_);  // ours sent: now the peer's close_notify
      break;
    case Kind::wait_read:
      // Decrypted bytes (or a whole record) already held: readable now. Otherwise wait
      // for the socket, not for OpenSSL (which would need a buffer to read into).
      if (SSL_has_pending(ssl_) == 1) return {};
      if (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) return {};
      if (deadline_->expired) return {Want::none, timeout_error(), 0};
      return {Want::read, {}, 0};
  }
  if (rc == 1) return {Want::none, {}, n};
  const int err = SSL_get_error(ssl_, rc);
  if (kind == Kind::write && (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) &&
      buf.data() == scratch_buffer()) {
    // The write waits: another connection on this thread may use the scratch buffer
    // meanwhile, so the retry (same bytes, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER) reads a copy.
    wbuf_.assign(static_cast<const char*>(buf.data()), buf.size());
    buf = asio::buffer(wbuf_);
  }
  switch (err) {
    case SSL_ERROR_WANT_READ:
      return {Want::read, {}, 0};
    case SSL_ERROR_WANT_WRITE:
      return {Want::write, {}, 0};
    case SSL_ERROR_ZERO_RETURN:
      return {Want::none, asio::error::eof, 0};
    case SSL_ERROR_SYSCALL:
      if (const unsigned long e = ERR_get_error(); e != 0) {
        return {Want::none, error_code(static_cast<int>(e), asio::error::get_ssl_category()), 0};
      }
      if (errno != 0 && errno != EAGAIN) {
        return {Want::none, error_code(errno, boost::system::system_category()), 0};
      }
      return {Want::none, asio::ssl::error::stream_truncated, 0};
    case SSL_ERROR_SSL: {
      const unsigned long e = ERR_get_error();
      // OpenSSL 3 reports an EOF without close_notify as an SSL error.
      if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return {Want::none, asio::ssl::error::stream_truncated, 0};
      }
      return {Want::none, error_code(static_cast<int>(e), asio::error::get_ssl_category()), 0};
    }
    default:
      return {Want::none, asio::error::fault, 0};
  }
}

}  // namespace gw::tls
