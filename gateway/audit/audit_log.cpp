#include "gateway/audit/audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"

namespace gw::audit {
namespace {

constexpr std::size_t kTailBytes = 65536;  // longest line we expect to continue from
const std::string kZeroHash(64, '0');

std::string quoted(const std::string& s) {
  // ensure_ascii + replace: any byte a client controls comes out as a JSON escape,
  // so no record can break the line structure (log injection, SPEC §5).
  return nlohmann::json(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

void add(std::string& out, const char* key, const std::optional<std::string>& v) {
  if (!v) return;
  out.append(",\"").append(key).append("\":").append(quoted(*v));
}

std::int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The last complete line of the file, or "" when it has none.
std::string last_line(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) return "";
  const off_t size = st.st_size;
  const off_t start = size > static_cast<off_t>(kTailBytes) ? size - kTailBytes : 0;
  std::string buf(static_cast<std::size_t>(size - start), '\0');
  const ssize_t n = ::pread(fd, buf.data(), buf.size(), start);
  if (n <= 0) return "";
  buf.resize(static_cast<std::size_t>(n));
  while (!buf.empty() && buf.back() == '\n') buf.pop_back();
  const auto nl = buf.rfind('\n');
  if (nl == std::string::npos) return start == 0 ? buf : "";
  return buf.substr(nl + 1);
}

void write_all(int fd, const std::string& data) {
  for (std::size_t off = 0; off < data.size();) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::perror("iot-gateway: audit log write");
      return;
    }
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string render(const Record& r, std::int64_t unix_millis, std::uint64_t seq,
                   const std::string& prev_hex) {
  std::string out;
  out.reserve(256);
  out.append("{\"ts\":\"").append(pki::rfc3339_ms(unix_millis)).append("\"");
  out.append(",\"seq\":").append(std::to_string(seq));
  out.append(",\"prev\":\"").append(prev_hex).append("\"");
  out.append(",\"event\":").append(quoted(r.event));
  out.append(",\"outcome\":\"").append(r.success ? "success" : "failure").append("\"");
  out.append(",\"remote_ip\":").append(quoted(r.remote_ip));
  add(out, "device_id", r.device_id);
  add(out, "serial", r.serial);
  add(out, "kid", r.kid);
  add(out, "jti", r.jti);
  add(out, "reason", r.reason);
  out.append("}");
  return out;
}

AuditLog::AuditLog(std::filesystem::path path, std::size_t queue_size)
    : path_(std::move(path)), capacity_(queue_size) {
  open_file();
  // The append-only descriptor cannot be read; the tail comes through a second one.
  const pki::UniqueFd reader(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  const std::string last = reader.valid() ? last_line(reader.get()) : "";
  prev_ = last.empty() ? kZeroHash : pki::sha256_hex(last);
  if (!last.empty()) {
    const auto j = nlohmann::json::parse(last, nullptr, false);
    if (j.is_object() && j.contains("seq") && j["seq"].is_number_unsigned()) {
      seq_ = j["seq"].get<std::uint64_t>();
    }
  }
  writer_ = std::thread([this] { run(); });
}

AuditLog::~AuditLog() {
  {
    const std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  writer_.join();
}

void AuditLog::open_file() {
  pki::UniqueFd fd(
      ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640));
  if (!fd.valid())
    pki::throw_errno(pki::Exit::cant_create, "cannot open audit log " + path_.string());
  fd_ = std::move(fd);
}

bool AuditLog::log(Record r) noexcept {
  try {
    if (observer_) observer_(r.event);
    {
      const std::lock_guard lock(mu_);
      if (queue_.size() >= capacity_) {
        dropped_.fetch_add(1);
        return false;
      }
      queue_.push_back(std::move(r));
    }
    cv_.notify_one();
    return true;
  } catch (...) {  // bad_alloc: counted like a full queue
    dropped_.fetch_add(1);
    return false;
  }
}

void AuditLog::reopen() noexcept {
  {
    const std::lock_guard lock(mu_);
    reopen_ = true;
  }
  cv_.notify_one();
}

void AuditLog::flush() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void AuditLog::run() {
  std::deque<Record> batch;
  for (;;) {
    bool reopen = false;
    {
      std::unique_lock lock(mu_);
      busy_ = false;
      idle_cv_.notify_all();
      cv_.wait(lock, [this] { return stop_ || reopen_ || !queue_.empty(); });
      if (queue_.empty() && stop_) return;
      batch.swap(queue_);
      reopen = std::exchange(reopen_, false);
      busy_ = true;
    }
    if (reopen) {
      try {
        open_file();
      } catch (const pki::Error& e) {
        std::fprintf(stderr, "iot-gateway: %s; keeping the old file\n", e.what());
      }
    }
    write_batch(batch);
    batch.clear();
  }
}

void AuditLog::write_batch(std::deque<Record>& batch) {
  const std::uint64_t dropped = dropped_.load();
  if (dropped != dropped_reported_) {
    std::fprintf(stderr, "iot-gateway: audit queue full: %llu records dropped in total\n",
                 static_cast<unsigned long long>(dropped));
    dropped_reported_ = dropped;
  }
  std::string out;
  for (const Record& r : batch) {
    std::string line = render(r, now_millis(), ++seq_, prev_);
    prev_ = pki::sha256_hex(line);
    out.append(line).append("\n");
  }
  write_all(fd_.get(), out);
  written_.fetch_add(batch.size());
}

}  // namespace gw::audit
