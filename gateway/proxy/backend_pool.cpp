// SPDX-License-Identifier: Apache-2.0
#include "gateway/proxy/backend_pool.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <array>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>

#include "core/error.hpp"
#include "fsutil/files.hpp"
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

int no_password(char*, int, int, void*) {
  return -1;
}

void check(int rc, const std::string& what) {
  if (rc != 1) pki::throw_ossl(pki::Exit::config, what);
}

// Every PEM certificate of `pem` (at least one), read from memory: the files are read
// like every trust file (regular file, capped, non-blocking open).
std::vector<pki::X509Ptr> pem_certs(const std::string& pem, const std::string& what) {
  const pki::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) pki::throw_ossl(pki::Exit::internal, "BIO_new_mem_buf");
  std::vector<pki::X509Ptr> out;
  while (pki::X509Ptr c{PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr)}) {
    out.push_back(std::move(c));
  }
  const unsigned long e = ERR_peek_last_error();
  if (out.empty() || ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
    pki::throw_ossl(pki::Exit::config, what + ": not a PEM certificate file");
  }
  pki::clear_ossl_errors();
  return out;
}

std::string read_config_file(const std::filesystem::path& p, const std::string& key,
                             pki::fs::Limit limit) {
  try {
    return pki::fs::read_file(p, limit);
  } catch (const pki::Error& e) {
    throw pki::Error(pki::Exit::config, key + ": " + e.what());
  }
}

// What the gateway writes into X-Device-ID is a device id, whoever supplied it.
bool identity_ok(const Request& req) {
  return req.count("X-Device-ID") == 1 && pki::x509::is_valid_device_id(req["X-Device-ID"]);
}

}  // namespace

Connection::Connection(asio::io_context& ioc, asio::ssl::context* tls) {
  if (tls != nullptr) {
    tls_ = std::make_unique<Tls>(ioc, *tls);
  } else {
    plain_ = std::make_unique<beast::tcp_stream>(ioc);
  }
}

beast::tcp_stream& Connection::tcp() {
  return tls_ ? tls_->next_layer() : *plain_;
}

// A connection with bytes the gateway did not ask for (an unsolicited response, in TLS
// records already read into OpenSSL's buffers or still on the socket) or a half-closed
// one is not reused.
bool Connection::quiet() {
  if (tls_) {
    SSL* ssl = tls_->native_handle();
    if (SSL_pending(ssl) > 0 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0) return false;
  }
  pollfd p{tcp().socket().native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

std::unique_ptr<asio::ssl::context> make_backend_context(const config::Backend& cfg) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* raw = ctx->native_handle();
  check(SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION), "backend TLS 1.2 minimum");
  SSL_CTX_set_options(raw, SSL_OP_NO_RENEGOTIATION);
  // The configured CAs are the whole trust store: no system default paths.
  X509_STORE* store = SSL_CTX_get_cert_store(raw);
  const std::string cas = read_config_file(cfg.ca_file, "backend.ca_file", pki::fs::kTrustLimit);
  for (const auto& ca : pem_certs(cas, "backend.ca_file " + cfg.ca_file.string())) {
    check(X509_STORE_add_cert(store, ca.get()), "backend.ca_file " + cfg.ca_file.string());
  }
  SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_verify_depth(raw, 8);
  if (!cfg.client_cert.empty()) {
    const std::string what = "backend.client_cert " + cfg.client_cert.string();
    const std::string pem =
        read_config_file(cfg.client_cert, "backend.client_cert", pki::fs::kCertLimit);
    std::vector<pki::X509Ptr> chain = pem_certs(pem, what);
    check(SSL_CTX_use_certificate(raw, chain.front().get()), what);
    for (std::size_t i = 1; i < chain.size(); ++i) {
      check(SSL_CTX_add1_chain_cert(raw, chain[i].get()), what);
    }
    pki::Secret key_pem;
    try {
      key_pem = pki::fs::read_private_file(cfg.client_key);
    } catch (const pki::Error& e) {
      throw pki::Error(pki::Exit::config, std::string("backend.client_key: ") + e.what());
    }
    const pki::BioPtr bio(BIO_new_mem_buf(key_pem.view().data(), static_cast<int>(key_pem.size())));
    const pki::PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
    if (!key) {
      pki::throw_ossl(pki::Exit::config, "backend.client_key " + cfg.client_key.string() +
                                             ": not an unencrypted PEM private key");
    }
    check(SSL_CTX_use_PrivateKey(raw, key.get()), "backend.client_key " + cfg.client_key.string());
    check(SSL_CTX_check_private_key(raw), "backend.client_key does not match backend.client_cert");
  }
  return ctx;
}

BackendPool::BackendPool(asio::io_context& ioc, const config::Backend& cfg)
    : ioc_(ioc), cfg_(cfg), tls_(cfg.tls ? make_backend_context(cfg) : nullptr) {}

std::unique_ptr<Connection> BackendPool::take_idle() {
  const std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  while (!idle_.empty()) {
    Idle i = std::move(idle_.back());
    idle_.pop_back();
    if (now - i.since < kMaxIdle && i.stream->quiet()) return std::move(i.stream);
  }
  return nullptr;
}

void BackendPool::give_back(std::unique_ptr<Connection> s) {
  const std::lock_guard lock(mu_);
  if (idle_.size() >= cfg_.pool_size) return;  // closes it
  idle_.push_back({std::move(s), std::chrono::steady_clock::now()});
}

std::size_t BackendPool::idle_count() {
  const std::lock_guard lock(mu_);
  return idle_.size();
}

template <class Stream>
asio::awaitable<BackendPool::Attempt> BackendPool::attempt(
    Stream& s, Connection& c, const Request& req, std::chrono::steady_clock::time_point deadline) {
  boost::system::error_code ec;
  Attempt at;
  c.tcp().expires_at(deadline);
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
  at.reusable = reader.reusable() && !early_error && c.quiet();
  co_return at;
}

asio::awaitable<Exchange> BackendPool::open(Connection& c,
                                            std::chrono::steady_clock::time_point deadline) {
  boost::system::error_code ec;
  tcp::resolver resolver(co_await asio::this_coro::executor);
  const auto results =
      co_await resolver.async_resolve(cfg_.host, cfg_.port, redirect_error(use_awaitable, ec));
  if (ec) co_return Exchange{Failure::unreachable, {}, "resolve: " + ec.message()};
  c.tcp().expires_at(deadline);
  co_await c.tcp().async_connect(results, redirect_error(use_awaitable, ec));
  if (ec) co_return Exchange{classify(ec), {}, "connect: " + ec.message()};
  if (Connection::Tls* t = c.tls()) {
    // The backend's certificate must name backend.url's host: an IP address SAN for an
    // address, else a DNS name (also sent as SNI).
    SSL* ssl = t->native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    boost::system::error_code addr_ec;
    (void)asio::ip::make_address(cfg_.host, addr_ec);
    int ok = 0;
    if (!addr_ec) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(param, cfg_.host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      ok = X509_VERIFY_PARAM_set1_host(param, cfg_.host.c_str(), cfg_.host.size()) == 1 &&
                   SSL_set_tlsext_host_name(ssl, cfg_.host.c_str()) == 1
               ? 1
               : 0;
    }
    if (ok != 1) {
      pki::clear_ossl_errors();
      co_return Exchange{Failure::unreachable, {}, "tls: cannot set the backend name"};
    }
    co_await t->async_handshake(asio::ssl::stream_base::client, redirect_error(use_awaitable, ec));
    if (ec) {
      const long v = SSL_get_verify_result(ssl);
      std::string detail = "tls handshake: " + ec.message();
      if (v != X509_V_OK) detail += " (" + std::string(X509_verify_cert_error_string(v)) + ")";
      pki::clear_ossl_errors();
      co_return Exchange{classify(ec), {}, std::move(detail)};
    }
  }
  co_return Exchange{};
}

asio::awaitable<Exchange> BackendPool::send(Request req) {
  if (!identity_ok(req)) co_return Exchange{Failure::unreachable, {}, "no valid X-Device-ID"};
  req.keep_alive(true);
  req.prepare_payload();
  const auto deadline = std::chrono::steady_clock::now() + cfg_.timeout;
  // A pooled connection may have been closed by the backend in the meantime: an
  // idempotent request that got no byte back is retried once on a fresh connection
  // (RFC 9110 §9.2.2). A non-idempotent one is not.
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<Connection> s = take_idle();
    const bool pooled = s != nullptr;
    if (!s) {
      s = std::make_unique<Connection>(ioc_, tls_.get());
      Exchange opened = co_await open(*s, deadline);
      if (opened.failure != Failure::none) co_return opened;
    }
    // Not one conditional expression with two co_awaits: GCC 12 miscompiles that
    // (the frame's temporaries are destroyed twice).
    Attempt at;
    if (s->tls() != nullptr) {
      at = co_await attempt(*s->tls(), *s, req, deadline);
    } else {
      at = co_await attempt(*s->plain(), *s, req, deadline);
    }
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
