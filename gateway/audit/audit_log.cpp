// SPDX-License-Identifier: Apache-2.0
#include "gateway/audit/audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "gateway/audit/verify.hpp"
#include "gateway/log/log.hpp"

namespace gw::audit {
namespace {

constexpr std::size_t kTailBytes = 65536;  // longest line we expect to continue from
const std::string kZeroHash(64, '0');

std::string quoted(const std::string& s) {
  // Printable ASCII without '"' and '\\' (event names, addresses, ids, serials: nearly
  // every field) is its own JSON string; anything else goes through nlohmann.
  if (std::all_of(s.begin(), s.end(),
                  [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; })) {
    std::string out;
    out.reserve(s.size() + 2);
    return out.append(1, '"').append(s).append(1, '"');
  }
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

constexpr std::size_t kMaxTailBytes = 1 << 20;

// Reads [start, start + n) fully; "" on an error.
std::string read_at(int fd, off_t start, std::size_t n) {
  std::string buf(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, buf.data() + got, n - got, start + static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  buf.resize(got);
  return buf;
}

// The chain state at the end of `window` (the file's last bytes; `whole` when it
// starts at offset 0), or nothing when the window holds no whole record to continue.
std::optional<Tail> tail_of(std::string_view window, bool whole) {
  Tail t;
  t.prev = kZeroHash;
  t.needs_newline = !window.empty() && window.back() != '\n';
  std::vector<std::string_view> lines;  // complete lines; a window's cut first line is not
  std::size_t pos = 0;
  if (!whole) {
    const auto nl = window.find('\n');
    pos = nl == std::string_view::npos ? window.size() : nl + 1;
  }
  while (pos < window.size()) {
    const auto nl = window.find('\n', pos);
    if (nl == std::string_view::npos) break;
    lines.push_back(window.substr(pos, nl - pos));
    pos = nl + 1;
  }
  const std::string_view fragment = window.substr(std::min(pos, window.size()));
  if (!fragment.empty()) {
    t.torn = "the last line has no final newline (" + std::to_string(fragment.size()) +
             " bytes, kept above as evidence)";
  } else if (!lines.empty() && !parse_record(lines.back()).ok()) {
    t.torn = "the last line (" + std::to_string(lines.back().size()) +
             " bytes) is not a record: " + parse_record(lines.back()).problem;
    lines.pop_back();
  } else if (lines.size() >= 2) {
    const ParsedLine a = parse_record(lines[lines.size() - 2]);
    const ParsedLine b = parse_record(lines.back());
    if (a.ok() && (b.seq != a.seq + 1 || b.prev != pki::sha256_hex(lines[lines.size() - 2]))) {
      t.torn = "the last line (seq " + std::to_string(b.seq) + ") does not chain to the one before";
      lines.pop_back();
    }
  }
  // Continue from the last whole record; a second bad line is not a tear and is left
  // for `audit verify` to report.
  while (!lines.empty() && !parse_record(lines.back()).ok()) lines.pop_back();
  if (lines.empty()) {
    if (!whole) return std::nullopt;
    return t;
  }
  t.seq = parse_record(lines.back()).seq;
  t.prev = pki::sha256_hex(lines.back());
  return t;
}

// False (errno set) when the write failed, possibly after part of `data` was written.
bool write_all(int fd, const std::string& data) {
  for (std::size_t off = 0; off < data.size();) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

Tail read_tail(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) return Tail{0, kZeroHash, "", false};
  const auto size = static_cast<std::size_t>(st.st_size);
  for (const std::size_t cap : {kTailBytes, kMaxTailBytes}) {
    const std::size_t n = std::min(size, cap);
    const std::string window = read_at(fd, static_cast<off_t>(size - n), n);
    if (window.size() != n) break;
    if (auto t = tail_of(window, n == size)) return *t;
    if (n == size) break;
  }
  Tail t{0, kZeroHash, "", false};
  const std::string last = read_at(fd, static_cast<off_t>(size - 1), 1);
  t.needs_newline = last != "\n";
  t.torn = "no whole record in the last " + std::to_string(kMaxTailBytes) +
           " bytes; the chain restarts at seq 1";
  return t;
}

std::string render(const Record& r, std::int64_t unix_millis, std::uint64_t seq,
                   const std::string& prev_hex) {
  std::string out;
  out.reserve(256);
  out.append("{\"ts\":\"").append(pki::rfc3339_ms(unix_millis)).append("\"");
  out.append(",\"seq\":").append(std::to_string(seq));
  out.append(",\"prev\":\"").append(prev_hex).append("\"");
  out.append(",\"event\":\"").append(name(r.event)).append("\"");
  out.append(",\"outcome\":\"").append(success(r.event) ? "success" : "failure").append("\"");
  // An event without a client never names one, whatever the caller filled in.
  out.append(",\"remote_ip\":").append(quoted(names_client(r.event) ? r.remote_ip : ""));
  add(out, "device_id", r.device_id);
  add(out, "serial", r.serial);
  add(out, "kid", r.kid);
  add(out, "jti", r.jti);
  add(out, "reason", r.reason);
  out.append("}");
  return out;
}

AuditLog::AuditLog(std::filesystem::path path, std::size_t queue_size)
    : AuditLog(std::move(path),
               Options{queue_size, {}, 1000, std::chrono::milliseconds(60'000), {}, 65536}) {}

AuditLog::AuditLog(std::filesystem::path path, Options options)
    : path_(std::move(path)), capacity_(options.queue_size), opt_(std::move(options)) {
  if (opt_.syslog) {
    forwarder_ = std::make_unique<SyslogForwarder>(*opt_.syslog, opt_.syslog_queue);
    forwarder_->set_loss_reporter([this](std::string why) {
      Record r;
      r.event = Event::audit_forward_lost;
      r.reason = std::move(why);
      (void)log(std::move(r));
    });
  }
  open_file();
  struct stat st {};
  const bool empty = ::fstat(fd_.get(), &st) == 0 && st.st_size == 0;
  // Read before the writer starts: a constructor that returns has the chain state, and
  // the first batch written (even an empty one) carries the repair record.
  std::string head;
  recover(head);
  const bool repaired = !head.empty();
  if (opt_.checkpoint_key) {
    append_checkpoint(head, seq_, prev_, empty ? CheckpointKind::open : CheckpointKind::start);
  }
  if (!head.empty()) {
    if (!write_all(fd_.get(), head)) {
      pki::throw_errno(pki::Exit::io, "cannot write the audit log " + path_.string());
    }
    written_.fetch_add((repaired ? 1 : 0) + (opt_.checkpoint_key ? 1 : 0));
    repaired_at_start_ = repaired;
  }
  hand_to_forwarder();
  if (forwarder_) forwarder_->start();
  writer_ = std::thread([this] { run(); });
}

AuditLog::~AuditLog() {
  {
    const std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  writer_.join();
  // After the writer: the shutdown checkpoint is the last line it forwards.
  if (forwarder_) forwarder_->stop();
}

void AuditLog::open_file() {
  pki::UniqueFd fd(
      ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640));
  if (!fd.valid())
    pki::throw_errno(pki::Exit::cant_create, "cannot open audit log " + path_.string());
  fd_ = std::move(fd);
}

bool AuditLog::log(Record r) noexcept {
  bool wake = false;
  try {
    if (observer_) observer_(r.event);
    {
      const std::lock_guard lock(mu_);
      if (queue_.size() >= capacity_) {
        dropped_.fetch_add(1);
        return false;
      }
      queue_.push_back(std::move(r));
      // Wake the writer for the first record of a batch, or a full one; the records in
      // between wait for the batch (no wake-up, no write() per record).
      wake = queue_.size() == 1 || queue_.size() == kBatchRecords;
    }
    if (wake) cv_.notify_one();
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
  ++flushing_;
  cv_.notify_one();  // no linger for a flush
  idle_cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
  --flushing_;
}

void AuditLog::run() {
  std::deque<Record> batch;
  for (;;) {
    bool reopen = false;
    bool shutdown = false;
    {
      std::unique_lock lock(mu_);
      busy_ = false;
      idle_cv_.notify_all();
      const auto ready = [this] { return stop_ || reopen_ || !queue_.empty(); };
      // With checkpoints on, an idle writer still wakes for the next one (a heartbeat:
      // `audit verify` reads a missing one as a cut tail).
      if (opt_.checkpoint_key) {
        cv_.wait_until(lock, next_checkpoint_, ready);
      } else {
        cv_.wait(lock, ready);
      }
      if (queue_.empty() && stop_) {
        shutdown = true;
      } else if (!queue_.empty()) {
        // The first record of a batch waits up to kLinger for the ones behind it.
        cv_.wait_for(lock, kLinger, [this] {
          return stop_ || reopen_ || flushing_ > 0 || queue_.size() >= kBatchRecords;
        });
      }
      batch.swap(queue_);
      reopen = std::exchange(reopen_, false);
      busy_ = true;
    }
    if (reopen) {
      try {
        open_file();
        struct stat st {};
        // logrotate moved the file away: the new one starts with a signed `open`
        // checkpoint carrying the last hash of the old one.
        open_pending_ = ::fstat(fd_.get(), &st) == 0 && st.st_size == 0;
      } catch (const pki::Error& e) {
        log::line(std::string(e.what()) + "; keeping the old file");
      }
    }
    write_batch(batch, shutdown);
    batch.clear();
    if (shutdown) return;
  }
}

void AuditLog::write_batch(std::deque<Record>& batch, bool shutdown) {
  const std::uint64_t dropped = dropped_.load();
  if (dropped != dropped_reported_) {
    log::line("audit queue full: " + std::to_string(dropped) + " records dropped in total");
    dropped_reported_ = dropped;
  }
  to_forward_.clear();
  std::string out;
  std::size_t records = 0;
  if (recover_) {
    recover(out);
    if (!out.empty()) {
      ++records;
      if (observer_) observer_(Event::audit_tail_repaired);
    }
  }
  // The chain state advances only once the bytes are in the file: a failed write
  // leaves it where the file is, so `audit verify` never sees a gap that is not there.
  std::uint64_t seq = seq_;
  std::string prev = prev_;
  const bool checkpoints = opt_.checkpoint_key != nullptr;
  if (checkpoints && std::exchange(open_pending_, false)) {
    append_checkpoint(out, seq, prev, CheckpointKind::open);
    ++records;
  }
  for (const Record& r : batch) {
    std::string line = render(r, now_millis(), ++seq, prev);
    prev = pki::sha256_hex(line);
    out.append(line).append("\n");
    forward(seq, r.event, line);
    ++records;
    if (checkpoints && ++since_checkpoint_ >= opt_.checkpoint_every) {
      append_checkpoint(out, seq, prev, CheckpointKind::periodic);
      ++records;
    }
  }
  if (checkpoints && (shutdown || std::chrono::steady_clock::now() >= next_checkpoint_)) {
    append_checkpoint(out, seq, prev,
                      shutdown ? CheckpointKind::shutdown : CheckpointKind::periodic);
    ++records;
  }
  if (out.empty()) return;
  if (!write_all(fd_.get(), out)) {
    const int err = errno;
    write_failures_.fetch_add(records);
    recover_ = true;  // a partial write may have left a torn line
    to_forward_.clear();
    log::line(std::string("audit log write failed (") + std::strerror(err) +
              "): " + std::to_string(records) + " records lost, " +
              std::to_string(write_failures_.load()) + " in total");
    return;
  }
  seq_ = seq;
  prev_ = std::move(prev);
  written_.fetch_add(records);
  hand_to_forwarder();
}

void AuditLog::append_checkpoint(std::string& out, std::uint64_t& seq, std::string& prev,
                                 CheckpointKind kind) {
  since_checkpoint_ = 0;
  next_checkpoint_ = std::chrono::steady_clock::now() + opt_.checkpoint_interval;
  const std::int64_t millis = now_millis();
  const std::string ts = pki::rfc3339_ms(millis);
  const std::string& kid = opt_.checkpoint_key->kid();
  const std::int64_t interval = opt_.checkpoint_interval.count();
  std::string sig;
  try {
    sig =
        opt_.checkpoint_key->sign(signed_bytes(kind_name(kind), seq + 1, prev, ts, interval, kid));
  } catch (const std::exception& e) {
    log::line(std::string("audit checkpoint not written: ") + e.what());
    return;
  }
  Record r;
  r.event = Event::audit_checkpoint;
  r.kid = kid;
  std::string line = render(r, millis, ++seq, prev);
  line.pop_back();  // the closing brace: the checkpoint's own fields follow
  line.append(",\"checkpoint\":\"").append(kind_name(kind)).append("\"");
  line.append(",\"interval_ms\":").append(std::to_string(interval));
  line.append(",\"sig\":\"").append(sig).append("\"}");
  prev = pki::sha256_hex(line);
  out.append(line).append("\n");
  forward(seq, r.event, line);
  if (observer_) observer_(Event::audit_checkpoint);
}

void AuditLog::forward(std::uint64_t seq, Event event, const std::string& line) {
  if (forwarder_) to_forward_.push_back({seq, {event, line}});
}

void AuditLog::hand_to_forwarder() {
  if (!forwarder_) return;
  for (auto& [seq, rest] : to_forward_) forwarder_->push(seq, rest.first, std::move(rest.second));
  to_forward_.clear();
}

void AuditLog::recover(std::string& out) {
  // The append-only descriptor cannot be read; the tail comes through a second one.
  const pki::UniqueFd reader(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!reader.valid()) return;  // keep the state: the next write retries
  const Tail t = read_tail(reader.get());
  recover_ = false;
  seq_ = t.seq;
  prev_ = t.prev;
  if (t.torn.empty()) return;
  Record r;
  r.event = Event::audit_tail_repaired;
  r.reason = t.torn;
  if (t.needs_newline) out.push_back('\n');
  const std::string line = render(r, now_millis(), ++seq_, prev_);
  prev_ = pki::sha256_hex(line);
  out.append(line).append("\n");
  forward(seq_, r.event, line);
  log::line("audit log " + path_.string() + ": torn tail repaired: " + t.torn);
}

}  // namespace gw::audit
