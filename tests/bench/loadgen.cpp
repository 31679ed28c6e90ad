// SPDX-License-Identifier: Apache-2.0
// loadgen: a TLS 1.3 mTLS load generator for tests/bench/run.sh (loopback only).
//
//   loadgen --mode login     --port P --ca CA --certs DIR [--threads T] [--path /auth/token]
//   loadgen --mode keepalive --port P --ca CA --certs DIR --connections C [--bearer auto]
//   loadgen --mode idle      --port P --ca CA --certs DIR --connections N --hold S
//
// login:     every request is a new TCP connection and a full TLS 1.3 handshake (no
//            resumption offered), one request (POST /auth/token by default), then close.
// keepalive: C connections, each sends requests back to back; with --bearer auto each
//            connection first POSTs /auth/token and sends the token it got as
//            "Authorization: Bearer" (the token is bound to that connection's certificate).
// idle:      opens N mTLS connections, one GET on each, then holds them open for S seconds.
//
// Each connection presents the next device certificate from DIR (NAME.crt + NAME.key, up
// to --max-certs) and binds the next source address from 127.1.0.0/16 (--sources of
// them). Bounded: --duration seconds and --requests in total, whichever comes first, a
// 10 s timeout on every socket operation, and the host must be in 127.0.0.0/8.
// Prints one JSON object: rate, latency p50/p90/p99/max in microseconds, errors by kind.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string mode = "login";
  std::string host = "127.0.0.1";
  int port = 0;
  std::string ca;
  std::string certs;
  std::size_t max_certs = 1000;
  int threads = 2;
  int connections = 1;
  double duration = 5;
  double hold = 5;
  long requests = 10'000'000;
  std::string method;
  std::string path;
  std::string bearer;  // "", "auto" or a literal token
  int sources = 200;
  bool verify = true;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "loadgen: %s\n(see the comment at the top of tests/bench/loadgen.cpp)\n",
               why);
  std::exit(2);
}

// A log-linear latency histogram in microseconds (128 sub-buckets per power of two:
// < 1 % error), fixed size whatever the number of samples.
class Histogram {
 public:
  static constexpr int kSub = 128;
  static constexpr std::size_t kBuckets = 2 * kSub + 40 * kSub;
  void add(std::uint64_t us) {
    ++counts_[index(us)];
    max_ = std::max(max_, us);
    ++n_;
  }
  void merge(const Histogram& o) {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    max_ = std::max(max_, o.max_);
    n_ += o.n_;
  }
  [[nodiscard]] std::uint64_t quantile(double q) const {
    if (n_ == 0) return 0;
    const auto want = static_cast<std::uint64_t>(q * static_cast<double>(n_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= want) return std::min(value(i), max_);
    }
    return max_;
  }
  [[nodiscard]] std::uint64_t max() const { return max_; }
  [[nodiscard]] std::uint64_t count() const { return n_; }

 private:
  static std::size_t index(std::uint64_t v) {
    if (v < 2 * kSub) return static_cast<std::size_t>(v);
    const int e = std::bit_width(v) - 8;  // v >> e in [128, 255]
    const auto i = static_cast<std::size_t>(2 * kSub + (e - 1) * kSub + ((v >> e) - kSub));
    return std::min(i, kBuckets - 1);
  }
  static std::uint64_t value(std::size_t i) {
    if (i < 2 * kSub) return i;
    const std::size_t j = i - 2 * kSub;
    const auto e = static_cast<int>(j / kSub) + 1;
    return (static_cast<std::uint64_t>(j % kSub) + kSub) << e;
  }
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t max_ = 0;
  std::uint64_t n_ = 0;
};

struct Device {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
};

struct Shared {
  Options opt;
  SSL_CTX* ctx = nullptr;
  std::vector<Device> devices;
  sockaddr_in server{};
  Clock::time_point deadline;
  std::atomic<long> budget{0};  // requests left
  std::atomic<std::uint64_t> next_device{0};
  std::atomic<std::uint64_t> next_source{0};
  std::atomic<bool> stop{false};
};

struct Stats {
  Histogram latency;
  std::map<std::string, std::uint64_t> errors;
  std::uint64_t ok = 0;
  void error(const std::string& kind) { ++errors[kind]; }
};

X509* read_cert(const std::filesystem::path& p) {
  FILE* f = std::fopen(p.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return x;
}

EVP_PKEY* read_key(const std::filesystem::path& p) {
  FILE* f = std::fopen(p.c_str(), "r");
  if (f == nullptr) return nullptr;
  EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return k;
}

std::vector<Device> load_devices(const Options& o) {
  std::vector<std::filesystem::path> crts;
  for (const auto& e : std::filesystem::directory_iterator(o.certs)) {
    if (e.path().extension() == ".crt") crts.push_back(e.path());
  }
  std::sort(crts.begin(), crts.end());
  std::vector<Device> out;
  for (const auto& crt : crts) {
    if (out.size() >= o.max_certs) break;
    auto keyp = crt;
    keyp.replace_extension(".key");
    Device d{read_cert(crt), read_key(keyp)};
    if (d.cert == nullptr || d.key == nullptr) usage(("cannot read " + crt.string()).c_str());
    out.push_back(d);
  }
  if (out.empty()) usage("no NAME.crt + NAME.key in --certs");
  return out;
}

// One TLS connection with a device certificate, from a loopback source address.
class Conn {
 public:
  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() { close(); }

  // Returns "" or the error kind.
  std::string open(Shared& s) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return "socket";
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (s.opt.sources > 0) {
      const std::uint64_t k = s.next_source++ % static_cast<std::uint64_t>(s.opt.sources);
      sockaddr_in src{};
      src.sin_family = AF_INET;
      src.sin_addr.s_addr = htonl((127U << 24) | (1U << 16) | static_cast<std::uint32_t>(k + 1));
      ::setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      if (::bind(fd_, reinterpret_cast<const sockaddr*>(&src), sizeof src) != 0) return "bind";
    }
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&s.server), sizeof s.server) != 0) {
      return "connect";
    }
    ssl_ = SSL_new(s.ctx);
    if (ssl_ == nullptr) return "ssl_new";
    const Device& d = s.devices[s.next_device++ % s.devices.size()];
    if (SSL_use_certificate(ssl_, d.cert) != 1 || SSL_use_PrivateKey(ssl_, d.key) != 1) {
      return "client_cert";
    }
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    if (SSL_connect(ssl_) != 1) {
      ERR_clear_error();
      return "handshake";
    }
    return "";
  }

  // Sends one request and reads the whole response; returns "" or the error kind.
  std::string exchange(const std::string& request, int& status, std::string& body) {
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) {
      ERR_clear_error();
      return "write";
    }
    std::size_t head_end = std::string::npos;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (buf_.size() > 65536) return "header_too_long";
      if (!fill()) return buf_.empty() ? "closed" : "read";
    }
    const std::string_view head(buf_.data(), head_end);
    if (head.size() < 12 || !head.starts_with("HTTP/1.1 ")) return "bad_status_line";
    status = std::atoi(std::string(head.substr(9, 3)).c_str());
    std::size_t length = 0;
    for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos;) {
      const std::size_t next = head.find("\r\n", pos + 2);
      std::string line(
          head.substr(pos + 2, next == std::string_view::npos ? head.npos : next - pos - 2));
      std::transform(line.begin(), line.end(), line.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (line.starts_with("content-length:"))
        length = std::strtoul(line.c_str() + 15, nullptr, 10);
      if (line.starts_with("connection:") && line.find("close") != std::string::npos) {
        peer_closes_ = true;
      }
      pos = next;
    }
    if (length > (1U << 20)) return "body_too_long";
    const std::size_t total = head_end + 4 + length;
    while (buf_.size() < total) {
      if (!fill()) return "read";
    }
    body.assign(buf_, head_end + 4, length);
    buf_.erase(0, total);
    return "";
  }

  [[nodiscard]] bool peer_closes() const { return peer_closes_; }

  void close() {
    if (ssl_ != nullptr) {
      SSL_set_quiet_shutdown(ssl_, 1);
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
    peer_closes_ = false;
  }

 private:
  bool fill() {
    char tmp[16384];
    const int n = SSL_read(ssl_, tmp, sizeof tmp);
    if (n <= 0) {
      ERR_clear_error();
      return false;
    }
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string buf_;
  bool peer_closes_ = false;
};

std::string make_request(const Options& o, const std::string& method, const std::string& path,
                         const std::string& token, bool close) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  if (method == "POST") r += "Content-Length: 0\r\n";
  if (close) r += "Connection: close\r\n";
  (void)o;
  return r + "\r\n";
}

bool take(Shared& s) {
  if (s.stop.load(std::memory_order_relaxed)) return false;
  if (Clock::now() >= s.deadline || s.budget.fetch_sub(1) <= 0) {
    s.stop = true;
    return false;
  }
  return true;
}

std::uint64_t since_us(Clock::time_point t0) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
}

void login_worker(Shared& s, Stats& st) {
  const std::string method = s.opt.method.empty() ? "POST" : s.opt.method;
  const std::string path = s.opt.path.empty() ? "/auth/token" : s.opt.path;
  const std::string req = make_request(s.opt, method, path, s.opt.bearer, true);
  while (take(s)) {
    const auto t0 = Clock::now();
    Conn c;
    std::string err = c.open(s);
    int status = 0;
    std::string body;
    if (err.empty()) err = c.exchange(req, status, body);
    if (!err.empty()) {
      st.error(err);
    } else if (status != 200) {
      st.error("http_" + std::to_string(status));
    } else {
      st.latency.add(since_us(t0));
      ++st.ok;
    }
  }
}

// The access_token member of a JSON body (the gateway's /auth/token answer).
std::string access_token(const std::string& body) {
  const std::string key = "\"access_token\":\"";
  const std::size_t p = body.find(key);
  if (p == std::string::npos) return {};
  const std::size_t e = body.find('"', p + key.size());
  return e == std::string::npos ? std::string() : body.substr(p + key.size(), e - p - key.size());
}

void keepalive_worker(Shared& s, Stats& st) {
  const std::string method = s.opt.method.empty() ? "GET" : s.opt.method;
  const std::string path = s.opt.path.empty() ? "/api/x" : s.opt.path;
  Conn c;
  bool open = false;
  std::string req;
  while (!s.stop.load(std::memory_order_relaxed) && Clock::now() < s.deadline) {
    if (!open) {
      if (std::string err = c.open(s); !err.empty()) {
        st.error(err);
        c.close();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      std::string token = s.opt.bearer;
      if (token == "auto") {
        int status = 0;
        std::string body;
        const std::string err =
            c.exchange(make_request(s.opt, "POST", "/auth/token", "", false), status, body);
        token = err.empty() && status == 200 ? access_token(body) : "";
        if (token.empty()) {
          st.error(err.empty() ? "token_http_" + std::to_string(status) : "token_" + err);
          c.close();
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
      }
      req = make_request(s.opt, method, path, token, false);
      open = true;
    }
    if (!take(s)) break;
    const auto t0 = Clock::now();
    int status = 0;
    std::string body;
    const std::string err = c.exchange(req, status, body);
    if (!err.empty()) {
      st.error(err);
      c.close();
      open = false;
      continue;
    }
    if (status != 200) {
      st.error("http_" + std::to_string(status));
    } else {
      st.latency.add(since_us(t0));
      ++st.ok;
    }
    if (c.peer_closes()) {
      c.close();
      open = false;
    }
  }
}

void idle_worker(Shared& s, Stats& st, int count, std::vector<std::unique_ptr<Conn>>& held) {
  const std::string path = s.opt.path.empty() ? "/healthz" : s.opt.path;
  const std::string req = make_request(s.opt, "GET", path, "", false);
  for (int i = 0; i < count && Clock::now() < s.deadline; ++i) {
    const auto t0 = Clock::now();
    auto c = std::make_unique<Conn>();
    std::string err = c->open(s);
    int status = 0;
    std::string body;
    if (err.empty()) err = c->exchange(req, status, body);
    if (!err.empty()) {
      st.error(err);
      continue;
    }
    if (status != 200) {
      st.error("http_" + std::to_string(status));
      continue;
    }
    st.latency.add(since_us(t0));
    ++st.ok;
    held.push_back(std::move(c));
  }
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) usage("every option takes a value");
    const std::string v = argv[++i];
    auto num = [&](double lo, double hi) {
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || d < lo || d > hi)
        usage(("bad value for " + std::string(a)).c_str());
      return d;
    };
    if (a == "--mode")
      o.mode = v;
    else if (a == "--host")
      o.host = v;
    else if (a == "--port")
      o.port = static_cast<int>(num(1, 65535));
    else if (a == "--ca")
      o.ca = v;
    else if (a == "--certs")
      o.certs = v;
    else if (a == "--max-certs")
      o.max_certs = static_cast<std::size_t>(num(1, 1e6));
    else if (a == "--threads")
      o.threads = static_cast<int>(num(1, 256));
    else if (a == "--connections")
      o.connections = static_cast<int>(num(1, 200000));
    else if (a == "--duration")
      o.duration = num(0.1, 3600);
    else if (a == "--hold")
      o.hold = num(0, 3600);
    else if (a == "--requests")
      o.requests = static_cast<long>(num(1, 1e10));
    else if (a == "--method")
      o.method = v;
    else if (a == "--path")
      o.path = v;
    else if (a == "--bearer")
      o.bearer = v;
    else if (a == "--sources")
      o.sources = static_cast<int>(num(0, 65000));
    else if (a == "--verify")
      o.verify = v != "off";
    else
      usage(("unknown option " + std::string(a)).c_str());
  }
  if (o.port == 0 || o.ca.empty() || o.certs.empty())
    usage("--port, --ca and --certs are required");
  if (o.mode != "login" && o.mode != "keepalive" && o.mode != "idle")
    usage("--mode login|keepalive|idle");
  if (o.mode == "keepalive" && o.connections > 1024) usage("keepalive: at most 1024 connections");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Shared s;
  s.opt = parse(argc, argv);
  const Options& o = s.opt;
  s.server.sin_family = AF_INET;
  s.server.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &s.server.sin_addr) != 1 ||
      (ntohl(s.server.sin_addr.s_addr) >> 24) != 127) {
    usage("--host must be an address in 127.0.0.0/8");
  }
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  s.ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(s.ctx, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(s.ctx, TLS1_3_VERSION);
  SSL_CTX_set_session_cache_mode(s.ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(s.ctx, SSL_OP_NO_TICKET);
  if (SSL_CTX_load_verify_locations(s.ctx, o.ca.c_str(), nullptr) != 1) usage("cannot read --ca");
  SSL_CTX_set_verify(s.ctx, o.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  s.devices = load_devices(o);
  s.budget = o.requests;

  const auto t0 = Clock::now();
  s.deadline = t0 + std::chrono::milliseconds(static_cast<long>(o.duration * 1000));
  const int workers = o.mode == "login"       ? o.threads
                      : o.mode == "keepalive" ? o.connections
                                              : std::min(o.threads, o.connections);
  std::vector<Stats> stats(static_cast<std::size_t>(workers));
  std::vector<std::vector<std::unique_ptr<Conn>>> held(static_cast<std::size_t>(workers));
  std::vector<std::thread> pool;
  for (int i = 0; i < workers; ++i) {
    auto& st = stats[static_cast<std::size_t>(i)];
    if (o.mode == "login") {
      pool.emplace_back([&s, &st] { login_worker(s, st); });
    } else if (o.mode == "keepalive") {
      pool.emplace_back([&s, &st] { keepalive_worker(s, st); });
    } else {
      const int share = o.connections / workers + (i < o.connections % workers ? 1 : 0);
      auto& h = held[static_cast<std::size_t>(i)];
      pool.emplace_back([&s, &st, share, &h] { idle_worker(s, st, share, h); });
    }
  }
  for (auto& t : pool) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();

  Stats total;
  std::size_t open = 0;
  for (std::size_t i = 0; i < stats.size(); ++i) {
    total.latency.merge(stats[i].latency);
    total.ok += stats[i].ok;
    for (const auto& [k, n] : stats[i].errors) total.errors[k] += n;
    open += held[i].size();
  }
  std::string errors;
  std::uint64_t nerr = 0;
  for (const auto& [k, n] : total.errors) {
    errors += (errors.empty() ? "\"" : ",\"") + k + "\":" + std::to_string(n);
    nerr += n;
  }
  if (o.mode == "idle") {
    // Tell the caller the connections are open (it measures RSS now), then hold them.
    std::printf(
        "{\"mode\":\"idle\",\"open\":%zu,\"open_seconds\":%.3f,\"errors_total\":%llu,"
        "\"errors\":{%s}}\n",
        open, elapsed, static_cast<unsigned long long>(nerr), errors.c_str());
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long>(o.hold * 1000)));
    return open > 0 ? 0 : 1;
  }
  const auto& h = total.latency;
  std::printf(
      "{\"mode\":\"%s\",\"requests\":%llu,\"elapsed_s\":%.3f,\"rate\":%.1f,"
      "\"latency_us\":{\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"max\":%llu},"
      "\"errors_total\":%llu,\"errors\":{%s}}\n",
      o.mode.c_str(), static_cast<unsigned long long>(total.ok), elapsed,
      static_cast<double>(total.ok) / elapsed, static_cast<unsigned long long>(h.quantile(0.50)),
      static_cast<unsigned long long>(h.quantile(0.90)),
      static_cast<unsigned long long>(h.quantile(0.99)), static_cast<unsigned long long>(h.max()),
      static_cast<unsigned long long>(nerr), errors.c_str());
  return total.ok > 0 ? 0 : 1;
}
