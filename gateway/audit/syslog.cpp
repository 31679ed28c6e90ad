// SPDX-License-Identifier: Apache-2.0
#include "gateway/audit/syslog.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include "core/encoding.hpp"
#include "gateway/config/endpoint.hpp"
#include "gateway/log/log.hpp"

namespace gw::audit {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kConnectTimeout{3000};
constexpr milliseconds kIoTimeout{5000};
constexpr milliseconds kBackoffMin{100};
constexpr milliseconds kBackoffMax{5000};
constexpr milliseconds kDrain{3000};  // at stop: time left to send what is queued

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

bool valid_host(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':';
  });
}

// One connection to the collector: a TCP socket, TLS on top when configured.
class Connection {
 public:
  ~Connection() { close(); }
  bool open(const SyslogTarget& t, SSL_CTX* ctx, std::string& why);
  bool send(std::string_view data, std::string& why);
  // The collector closed its side (or reset): reading shows EOF or an error.
  bool peer_closed();
  void close() {
    ssl_.reset();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  std::unique_ptr<SSL, SslFree> ssl_;
};

bool Connection::open(const SyslogTarget& t, SSL_CTX* ctx, std::string& why) {
  close();
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(t.host.c_str(), t.port.c_str(), &hints, &res); rc != 0) {
    why = std::string("cannot resolve ") + t.host + ": " + ::gai_strerror(rc);
    return false;
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(kConnectTimeout.count()));
      int err = 0;
      socklen_t len = sizeof err;
      if (rc == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        rc = 0;
      } else {
        errno = rc == 0 ? ETIMEDOUT : err;
        rc = -1;
      }
    }
    if (rc != 0) {
      why = "connect " + t.host + ":" + t.port + ": " + std::strerror(errno);
      ::close(fd);
      continue;
    }
    // Blocking from here, each read and write bounded by kIoTimeout.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{kIoTimeout.count() / 1000, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    fd_ = fd;
    break;
  }
  if (fd_ < 0) return false;
  if (!t.tls) return true;
  ssl_.reset(SSL_new(ctx));
  if (!ssl_ || SSL_set_fd(ssl_.get(), fd_) != 1) {
    why = "cannot set up TLS";
    close();
    return false;
  }
  in6_addr ip6{};
  in_addr ip4{};
  const bool is_ip = ::inet_pton(AF_INET, t.host.c_str(), &ip4) == 1 ||
                     ::inet_pton(AF_INET6, t.host.c_str(), &ip6) == 1;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, t.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_.get(), t.host.c_str());
    SSL_set1_host(ssl_.get(), t.host.c_str());
  }
  ERR_clear_error();
  if (SSL_connect(ssl_.get()) != 1) {
    const long vr = SSL_get_verify_result(ssl_.get());
    why = "TLS handshake with " + t.host + ":" + t.port + " failed" +
          (vr != X509_V_OK ? std::string(": ") + X509_verify_cert_error_string(vr) : "");
    ERR_clear_error();
    close();
    return false;
  }
  return true;
}

bool Connection::send(std::string_view data, std::string& why) {
  while (!data.empty()) {
    if (ssl_) {
      std::size_t n = 0;
      ERR_clear_error();
      if (SSL_write_ex(ssl_.get(), data.data(), data.size(), &n) != 1) {
        why = "TLS write failed";
        ERR_clear_error();
        return false;
      }
      data.remove_prefix(n);
      continue;
    }
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      why = std::string("write: ") + std::strerror(errno);
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Connection::peer_closed() {
  // A collector sends nothing on this stream (RFC 6587): anything readable is its EOF,
  // a reset, or (TLS) a close_notify; data from it is discarded.
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if ((p.revents & (POLLERR | POLLHUP)) != 0) return true;
  char buf[512];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT | MSG_PEEK);
  if (n == 0) return true;
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  if (!ssl_) {
    (void)::recv(fd_, buf, static_cast<std::size_t>(n), MSG_DONTWAIT);
    return false;
  }
  return true;  // TLS: a record from the collector is its close_notify or an alert
}

std::unique_ptr<SSL_CTX, SslCtxFree> make_ctx(const SyslogTarget& t) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return ctx;
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx.get(), t.ca.c_str(), nullptr) != 1) {
    log::line("syslog: cannot load syslog_ca " + t.ca.string());
  }
  ERR_clear_error();
  return ctx;
}

}  // namespace

std::string parse_syslog_url(std::string_view url, SyslogTarget& out) {
  out = SyslogTarget{};
  std::string_view rest;
  if (url.rfind("tcp://", 0) == 0) {
    rest = url.substr(6);
  } else if (url.rfind("tls://", 0) == 0) {
    out.tls = true;
    rest = url.substr(6);
  } else {
    return "must be tcp://host:port or tls://host:port (got '" + std::string(url) + "')";
  }
  std::string_view host;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return "cannot read [v6]:port from '" + std::string(url) + "'";
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return "needs a port (got '" + std::string(url) + "')";
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return "an IPv6 address goes in brackets (got '" + std::string(url) + "')";
    }
  }
  if (!valid_host(host) || !config::valid_port(port)) {
    return "cannot read host and port from '" + std::string(url) + "'";
  }
  out.host = std::string(host);
  out.port = std::string(port);
  return "";
}

std::string syslog_message(std::string_view line, std::uint64_t seq, Event event,
                           std::string_view hostname, long pid) {
  constexpr int kFacility = 13;  // log audit
  const int pri = kFacility * 8 + (success(event) ? 6 : 4);
  // The line begins {"ts":"<RFC 3339 UTC, ms>": that is the message's TIMESTAMP.
  std::string_view ts = "-";
  constexpr std::string_view kTs = "{\"ts\":\"";
  if (line.rfind(kTs, 0) == 0) {
    const auto end = line.find('"', kTs.size());
    if (end != std::string_view::npos) ts = line.substr(kTs.size(), end - kTs.size());
  }
  std::string out = "<" + std::to_string(pri) + ">1 ";
  out.append(ts).append(" ").append(hostname.empty() ? "-" : hostname).append(" iot-gateway ");
  out.append(std::to_string(pid)).append(" ").append(name(event)).append(" ");
  out.append("[audit@32473 seq=\"").append(std::to_string(seq)).append("\" hash=\"");
  out.append(pki::sha256_hex(line)).append("\"] ").append(line);
  return out;
}

SyslogForwarder::SyslogForwarder(SyslogTarget target, std::size_t queue_size)
    : target_(std::move(target)), capacity_(queue_size), pid_(static_cast<long>(::getpid())) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) {
    // RFC 5424 HOSTNAME: printable US-ASCII without spaces, at most 255.
    for (const char c : std::string_view(host)) {
      if (c > 32 && c < 127) hostname_.push_back(c);
    }
  }
}

SyslogForwarder::~SyslogForwarder() {
  stop();
}

void SyslogForwarder::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void SyslogForwarder::stop() {
  {
    const std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SyslogForwarder::push(std::uint64_t seq, Event event, std::string line) noexcept {
  try {
    {
      const std::lock_guard lock(mu_);
      if (queue_.size() >= capacity_) {
        dropped_.fetch_add(1);
        if (lost_count_++ == 0) lost_first_ = seq;
        lost_last_ = seq;
        return;
      }
      // Framing (a SHA-256 and the header) happens on the forwarder's thread, not here.
      queue_.push_back(Item{seq, event, std::move(line), {}});
      queued_.store(queue_.size());
    }
    cv_.notify_one();
  } catch (...) {
    dropped_.fetch_add(1);
  }
}

void SyslogForwarder::run() {
  const auto ctx = target_.tls ? make_ctx(target_) : nullptr;
  Connection conn;
  std::deque<Item> replay;  // sent on the current connection, most recent last
  milliseconds backoff = kBackoffMin;
  Clock::time_point next_try = Clock::now();
  Clock::time_point drain_until{};
  std::string last_error;
  std::vector<Item> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (!conn.is_open()) {
        cv_.wait_until(lock, next_try, [this] { return stop_; });
      } else {
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      }
      if (stop_ && drain_until == Clock::time_point{}) drain_until = Clock::now() + kDrain;
      if (stop_ && (queue_.empty() || Clock::now() >= drain_until)) {
        if (!queue_.empty()) {
          log::line("syslog: stopping with " + std::to_string(queue_.size()) +
                    " audit records not forwarded (seq " + std::to_string(queue_.front().seq) +
                    "-" + std::to_string(queue_.back().seq) + ")");
          dropped_.fetch_add(queue_.size());
        }
        return;
      }
    }
    if (!conn.is_open()) {
      if (Clock::now() < next_try) continue;
      std::string why;
      if (!conn.open(target_, ctx.get(), why)) {
        if (why != last_error) log::line("syslog: " + why + "; retrying");
        last_error = why;
        next_try = Clock::now() + backoff;
        backoff = std::min(backoff * 2, kBackoffMax);
        continue;
      }
      log::line("syslog: connected to " + target_.host + ":" + target_.port +
                (replay.empty()
                     ? ""
                     : "; sending the last " + std::to_string(replay.size()) + " records again"));
      last_error.clear();
      backoff = kBackoffMin;
      connected_.store(true);
      // What went into the old connection in its last moments may not have arrived.
      const std::lock_guard lock(mu_);
      for (auto it = replay.rbegin(); it != replay.rend(); ++it) queue_.push_front(std::move(*it));
      replay.clear();
    }
    batch.clear();
    {
      const std::lock_guard lock(mu_);
      while (!queue_.empty() && batch.size() < kSendBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (batch.empty()) continue;
    std::string out;
    for (Item& i : batch) {
      if (i.frame.empty()) {
        const std::string msg = syslog_message(i.line, i.seq, i.event, hostname_, pid_);
        i.frame = std::to_string(msg.size()) + " " + msg;
        i.line.clear();
        i.line.shrink_to_fit();
      }
      out.append(i.frame);
    }
    std::string why;
    const bool ok = !conn.peer_closed() && conn.send(out, why);
    if (!ok) {
      log::line("syslog: connection to " + target_.host + ":" + target_.port + " lost" +
                (why.empty() ? "" : " (" + why + ")") + "; reconnecting");
      conn.close();
      connected_.store(false);
      next_try = Clock::now() + backoff;
      const std::lock_guard lock(mu_);
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
      for (auto it = replay.rbegin(); it != replay.rend(); ++it) queue_.push_front(std::move(*it));
      replay.clear();
      queued_.store(queue_.size());
      continue;
    }
    sent_.fetch_add(batch.size());
    for (Item& i : batch) replay.push_back(std::move(i));
    while (replay.size() > kReplay) replay.pop_front();
    std::string report;
    bool stopping = false;
    {
      const std::lock_guard lock(mu_);
      stopping = stop_;
      queued_.store(queue_.size());
      if (queue_.empty() && lost_count_ > 0) {
        report = std::to_string(lost_count_) + " audit records (seq " +
                 std::to_string(lost_first_) + "-" + std::to_string(lost_last_) +
                 ") were not forwarded to syslog " + target_.host + ":" + target_.port +
                 ": its queue was full while the collector was unreachable";
        lost_count_ = 0;
      }
    }
    if (!report.empty() && !stopping) {
      log::line("syslog: " + report);
      if (report_) report_(report);
    }
  }
}

}  // namespace gw::audit
