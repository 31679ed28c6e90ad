// SPDX-License-Identifier: Apache-2.0
// tls::SslSocket on a real loopback TCP connection: the server side is the class under
// test on an io_context, the client a blocking OpenSSL client on its own thread. The
// certificates are made in-process (pki_fixture); the server context asks for no client
// certificate, since these tests are about the I/O, not the peer checks.
#include "gateway/tls/ssl_socket.hpp"

#include <doctest/doctest.h>
#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "keys/keys.hpp"
#include "pki_fixture.hpp"
#include "x509/profile.hpp"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

CtxPtr server_ctx() {
  const auto root = test::make_root();
  pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::x509::LeafSpec spec;
  spec.profile = pki::x509::Profile::server;
  spec.common_name = "localhost";
  spec.days = 5;
  const pki::X509Ptr cert = pki::x509::make_leaf(root, key.get(), spec, pki::config::Settings{});
  CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  REQUIRE(SSL_CTX_use_certificate(ctx.get(), cert.get()) == 1);
  REQUIRE(SSL_CTX_use_PrivateKey(ctx.get(), key.get()) == 1);
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  return ctx;
}

// A connected pair: the accepted server socket and the client's descriptor.
struct Pair {
  asio::io_context ioc;
  tcp::socket server{ioc};
  tcp::socket client{ioc};
  Pair() {
    tcp::acceptor acc(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acc.local_endpoint());
    acc.accept(server);
  }
};

// The blocking client: handshake, then `script` with the SSL object; frees it after.
void run_client(int fd, const std::function<void(SSL*)>& script) {
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  SSL* ssl = SSL_new(ctx.get());
  SSL_set_fd(ssl, fd);
  if (SSL_connect(ssl) == 1) script(ssl);
  SSL_free(ssl);
}

}  // namespace

TEST_CASE("an SslSocket completes a handshake, reads what the client sent and writes back") {
  const CtxPtr ctx = server_ctx();
  Pair p;
  gw::tls::SslSocket s(std::move(p.server), ctx.get());
  std::string got(5, '\0');
  std::string echoed;
  std::thread client([&] {
    run_client(p.client.native_handle(), [&](SSL* ssl) {
      SSL_write(ssl, "hello", 5);
      std::array<char, 64> buf{};
      std::size_t total = 0;
      while (total < 11) {
        const int n = SSL_read(ssl, buf.data() + total, static_cast<int>(buf.size() - total));
        if (n <= 0) break;
        total += static_cast<std::size_t>(n);
      }
      echoed.assign(buf.data(), total);
    });
  });
  error_code hs, rd, wr;
  s.expires_after(std::chrono::seconds(10));
  s.async_handshake([&](error_code ec, std::size_t) {
    hs = ec;
    if (ec) return;
    asio::async_read(s, asio::buffer(got), [&](error_code ec2, std::size_t) {
      rd = ec2;
      // Three buffers: gathered into one record, sent whole.
      static const std::string a = "one ", b = "two ", c = "six";
      const std::array<asio::const_buffer, 3> bufs{asio::buffer(a), asio::buffer(b),
                                                   asio::buffer(c)};
      asio::async_write(s, bufs, [&](error_code ec3, std::size_t) {
        wr = ec3;
        s.expires_never();
      });
    });
  });
  p.ioc.run_for(std::chrono::seconds(20));
  client.join();
  CHECK_FALSE(hs);
  CHECK_FALSE(rd);
  CHECK_FALSE(wr);
  CHECK(got == "hello");
  CHECK(echoed == "one two six");
}

TEST_CASE("an SslSocket operation past its deadline fails with beast's timeout") {
  const CtxPtr ctx = server_ctx();
  Pair p;
  gw::tls::SslSocket s(std::move(p.server), ctx.get());
  // The client connects and never sends a ClientHello (a slow loris).
  error_code hs;
  bool done = false;
  s.expires_after(std::chrono::milliseconds(200));
  const auto t0 = std::chrono::steady_clock::now();
  s.async_handshake([&](error_code ec, std::size_t) {
    hs = ec;
    done = true;
  });
  p.ioc.run_for(std::chrono::seconds(10));
  CHECK(done);
  CHECK(hs == boost::beast::error::timeout);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  // Once expired, a new operation fails at once, until the next expires_after.
  error_code again;
  p.ioc.restart();
  std::array<char, 4> buf{};
  s.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { again = ec; });
  p.ioc.run_for(std::chrono::seconds(5));
  CHECK(again == boost::beast::error::timeout);
}

TEST_CASE("an idle SslSocket waits without reading, wakes when bytes arrive, and cancel ends it") {
  const CtxPtr ctx = server_ctx();
  Pair p;
  gw::tls::SslSocket s(std::move(p.server), ctx.get());
  std::atomic<bool> send{false};
  std::atomic<bool> quit{false};
  std::thread client([&] {
    run_client(p.client.native_handle(), [&](SSL* ssl) {
      for (int i = 0; i < 1000 && !send; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      SSL_write(ssl, "ping", 4);
      for (int i = 0; i < 1000 && !quit; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    });
  });
  error_code hs, waited, cancelled;
  bool woke = false, second_done = false;
  std::string got(4, '\0');
  s.expires_after(std::chrono::seconds(10));
  s.async_handshake([&](error_code ec, std::size_t) {
    hs = ec;
    if (ec) return;
    s.async_wait_readable([&](error_code ec2, std::size_t) {
      waited = ec2;
      woke = true;
      asio::async_read(s, asio::buffer(got), [&](error_code, std::size_t) {
        // Nothing more comes: this wait ends only by cancel().
        s.async_wait_readable([&](error_code ec3, std::size_t) {
          cancelled = ec3;
          second_done = true;
          s.expires_never();
        });
        asio::post(s.get_executor(), [&] { s.cancel(); });
      });
    });
    // The wait has not completed before the client writes.
    asio::post(s.get_executor(), [&] {
      CHECK_FALSE(woke);
      send = true;
    });
  });
  p.ioc.run_for(std::chrono::seconds(20));
  quit = true;
  client.join();
  CHECK_FALSE(hs);
  CHECK(woke);
  CHECK_FALSE(waited);
  CHECK(got == "ping");
  CHECK(second_done);
  CHECK(cancelled == asio::error::operation_aborted);
}
