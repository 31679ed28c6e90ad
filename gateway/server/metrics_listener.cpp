// SPDX-License-Identifier: Apache-2.0
// The metrics listener (SPEC §5): plain HTTP on [server] metrics_listen, GET /metrics
// only, one request per connection. Meant for 127.0.0.1 or a management network.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/write.hpp>

#include <limits>

#include "core/clock.hpp"
#include "gateway/http/request_reader.hpp"
#include "gateway/metrics/process.hpp"
#include "gateway/revocation/chain.hpp"
#include "gateway/server/gateway.hpp"
#include "pki/git_commit.hpp"
#include "pki/version.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace gw::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::redirect_error;
using asio::use_awaitable;

// The expiry gauges of the snapshot: each bundle CA, the server certificate, each JWT
// key. A JWT key has no validity of its own: the signing key never ends while it signs
// (+Inf); a retired one is still needed until the last token it signed has expired,
// i.e. until its successor's file time + jwt.ttl + jwt.leeway (delete it after that).
std::vector<metrics::Expiry> expiries(const Snapshot& snap, const config::Config& cfg,
                                      std::int64_t now) {
  std::vector<metrics::Expiry> out;
  const auto cert = [&](const char* kind, const X509* x) {
    out.push_back({kind,
                   {{"subject", pki::x509::one_line(X509_get_subject_name(x))},
                    {"serial", pki::x509::serial_hex(x)}},
                   static_cast<double>(pki::x509::to_unix(X509_get0_notAfter(x)) - now)});
  };
  for (const auto& ca : snap.bundle->certs()) cert("ca", ca.get());
  if (const X509* server = SSL_CTX_get0_certificate(snap.tls->native_handle())) {
    cert("server", server);
  }
  const auto keys = snap.keys->all();
  for (const jwt::SigningKey* k : keys) {
    double left = std::numeric_limits<double>::infinity();
    if (k != &snap.keys->signer()) {
      std::int64_t successor = std::numeric_limits<std::int64_t>::max();
      for (const jwt::SigningKey* o : keys) {
        if (o->mtime_ns > k->mtime_ns || (o->mtime_ns == k->mtime_ns && o->kid > k->kid)) {
          successor = std::min(successor, o->mtime_ns);
        }
      }
      left = static_cast<double>(successor / 1000000000 + cfg.jwt.ttl + cfg.jwt.leeway - now);
    }
    out.push_back({"jwt_key", {{"kid", k->kid}}, left});
  }
  return out;
}

}  // namespace

std::string Gateway::scrape() {
  const auto snap = state_.get();
  const auto now = pki::now_unix();
  metrics::Gauges g;
  g.connections_active = conns_.active();
  g.crl_seconds_to_next_update = static_cast<double>(snap->crls->next_update() - now);
  g.audit_dropped = audit_.dropped();
  g.audit_write_failures = audit_.write_failures();
  if (const auto* fwd = audit_.forwarder()) {
    g.syslog_on = true;
    g.syslog_sent = fwd->sent();
    g.syslog_dropped = fwd->dropped();
    g.syslog_queued = fwd->queued();
    g.syslog_connected = fwd->connected();
  }
  g.bans_active = bans_.active_bans(steady_seconds());
  g.ip_table_entries = buckets_.size() + bans_.size();
  g.ready = !svc_->draining.load() && !revocation::stale(*snap->crls, now, cfg_.trust.crl_grace);
  return metrics_.render(g) + metrics::render_build_info(pki::kVersion, pki::kGitCommit) +
         metrics::render_process() + metrics::render_expiry(expiries(*snap, cfg_, now));
}

asio::awaitable<void> Gateway::metrics_loop() {
  for (;;) {
    boost::system::error_code ec;
    asio::ip::tcp::socket sock(asio::make_strand(*ioc_));
    co_await metrics_acceptor_->async_accept(sock, redirect_error(use_awaitable, ec));
    if (stopping_ || !metrics_acceptor_->is_open()) co_return;
    if (ec) continue;
    auto ex = sock.get_executor();
    asio::co_spawn(ex, metrics_session(std::move(sock)), [](const std::exception_ptr&) {});
  }
}

asio::awaitable<void> Gateway::metrics_session(asio::ip::tcp::socket sock) {
  beast::tcp_stream stream(std::move(sock));
  // The same bounded reader as the main listener: no body, an 8 KiB header.
  http::RequestReader reader({8192, 0});
  boost::system::error_code ec;
  stream.expires_after(std::chrono::seconds(10));
  while (reader.state() == http::RequestReader::State::need_more) {
    const std::size_t n =
        co_await stream.async_read_some(reader.prepare(), redirect_error(use_awaitable, ec));
    if (ec) co_return;
    reader.commit(n);
  }
  bhttp::response<bhttp::string_body> res;
  res.version(11);
  if (reader.state() == http::RequestReader::State::refused) {
    res.result(reader.refusal().status);
    res.body() = std::string(bhttp::obsolete_reason(reader.refusal().status)) + "\n";
  } else if (const auto req = reader.release();
             req.method() == bhttp::verb::get && req.target() == "/metrics") {
    res.result(bhttp::status::ok);
    res.set(bhttp::field::content_type, "text/plain; version=0.0.4");
    res.body() = scrape();
  } else {
    res.result(bhttp::status::not_found);
    res.body() = "GET /metrics\n";
  }
  res.keep_alive(false);
  res.prepare_payload();
  co_await bhttp::async_write(stream, res, redirect_error(use_awaitable, ec));
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
}

}  // namespace gw::server
