// SPDX-License-Identifier: Apache-2.0
#pragma once
// The audit log of SPEC §5: one JSON object per line, chained by `seq` and `prev`
// (SHA-256 hex of the previous line). I/O threads hand records to a writer thread
// through a bounded queue; when it is full the record is dropped and counted, so a
// flood can slow the disk but never an I/O thread. The writer is woken by the first
// record of a batch and writes the batch with one write() after at most kLinger (or
// at kBatchRecords records, a flush, a reopen or shutdown): under load many records
// per write() and no wake-up per record (docs/benchmarks.md); a crash can lose the
// records of the last kLinger, as it could lose the queue before.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/handles.hpp"
#include "gateway/audit/checkpoint.hpp"
#include "gateway/audit/events.hpp"
#include "gateway/audit/syslog.hpp"

namespace gw::audit {

// The outcome comes from the event's row in kEvents (events.hpp), never from the caller.
struct Record {
  Event event = Event::audit_tail_repaired;
  std::string remote_ip;  // "" for events without a peer (CRL reloads); see Client::none
  std::optional<std::string> device_id;
  std::optional<std::string> serial;
  std::optional<std::string> kid;
  std::optional<std::string> jti;
  std::optional<std::string> reason;
};

// What the log does besides writing lines: signed checkpoints (checkpoint.hpp) when a
// key is set, and syslog forwarding (syslog.hpp) when a target is set.
struct Options {
  std::size_t queue_size = 65536;
  std::shared_ptr<const CheckpointKey> checkpoint_key;  // null: no checkpoints
  std::uint64_t checkpoint_every = 1000;                // records between checkpoints
  std::chrono::milliseconds checkpoint_interval{60'000};
  std::optional<SyslogTarget> syslog;
  std::size_t syslog_queue = 65536;
};

// What the end of an existing log says, read from its last 64 KiB (1 MiB at most when
// one line is longer): the chain state to continue from, and a torn tail if any.
struct Tail {
  std::uint64_t seq = 0;       // of the last whole record; 0 for an empty log
  std::string prev;            // SHA-256 hex of that record's line; 64 zeros when none
  std::string torn;            // what was wrong with the tail; empty when it was whole
  bool needs_newline = false;  // the file does not end with '\n'
};
[[nodiscard]] Tail read_tail(int fd);

// Renders the line without the trailing newline. Field order is fixed: ts, seq,
// prev, event, outcome, remote_ip, then the optional fields.
[[nodiscard]] std::string render(const Record& r, std::int64_t unix_millis, std::uint64_t seq,
                                 const std::string& prev_hex);

class AuditLog {
 public:
  static constexpr std::chrono::milliseconds kLinger{5};
  static constexpr std::size_t kBatchRecords = 512;
  // Opens (appends to) the file and continues its chain from the last line.
  // Throws pki::Error when the file cannot be opened.
  AuditLog(std::filesystem::path path, std::size_t queue_size);
  // With checkpoints on, the first record of a new file is an `open` checkpoint and a
  // start on a file with records writes a `start` one; then one every checkpoint_every
  // records or checkpoint_interval (even when idle: a heartbeat), and a `shutdown`
  // checkpoint is the last record the destructor writes.
  AuditLog(std::filesystem::path path, Options options);
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;
  ~AuditLog();  // writes what is queued, then joins the writer

  // Never blocks beyond a short mutex hold; returns false (and counts) on a full queue.
  bool log(Record r) noexcept;
  // Asks the writer to reopen the file (after logrotate moved it).
  void reopen() noexcept;
  // Blocks until every record queued before the call is written (tests, shutdown).
  void flush();

  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.load(); }
  [[nodiscard]] std::uint64_t written() const noexcept { return written_.load(); }
  // Records lost because write(2) failed (disk full, I/O error): for /metrics and
  // /readyz. The chain state only advances past records that reached the file, and the
  // next write first repairs whatever a partial write left (AUDIT_TAIL_REPAIRED).
  [[nodiscard]] std::uint64_t write_failures() const noexcept { return write_failures_.load(); }
  // The syslog forwarder, or null when [audit] syslog is off (metrics).
  [[nodiscard]] const SyslogForwarder* forwarder() const noexcept { return forwarder_.get(); }
  // Called with the event of every record handed to log(), dropped ones included
  // (metrics). Set before any other thread uses the log; must not block.
  // A repair written by the constructor is reported to it here, once.
  void set_observer(std::function<void(Event)> f) {
    observer_ = std::move(f);
    if (observer_ && std::exchange(repaired_at_start_, false)) {
      observer_(Event::audit_tail_repaired);
    }
  }

 private:
  void run();
  void open_file();
  void write_batch(std::deque<Record>& batch, bool shutdown = false);
  // Appends a signed checkpoint at (seq + 1, prev) and advances both.
  void append_checkpoint(std::string& out, std::uint64_t& seq, std::string& prev,
                         CheckpointKind kind);
  void forward(std::uint64_t seq, Event event, const std::string& line);
  // Reads the file's tail and continues from its last whole record; a torn tail gets a
  // newline (when missing) and an AUDIT_TAIL_REPAIRED record in `out`.
  void recover(std::string& out);

  std::filesystem::path path_;
  std::size_t capacity_;
  Options opt_;
  std::uint64_t since_checkpoint_ = 0;  // records written since the last checkpoint
  std::chrono::steady_clock::time_point next_checkpoint_{};
  // Lines of the batch being written, handed to the forwarder once they are in the file.
  std::vector<std::pair<std::uint64_t, std::pair<Event, std::string>>> to_forward_;
  std::unique_ptr<SyslogForwarder> forwarder_;
  pki::UniqueFd fd_;
  std::uint64_t seq_ = 0;
  std::string prev_;
  bool recover_ = true;  // at start, and after a failed write
  bool repaired_at_start_ = false;
  bool open_pending_ = false;  // a reopen found an empty file: it starts with `open`
  void hand_to_forwarder();

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<Record> queue_;
  bool stop_ = false;
  bool reopen_ = false;
  bool busy_ = false;
  int flushing_ = 0;  // flush() callers waiting
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> write_failures_{0};
  std::uint64_t dropped_reported_ = 0;
  std::function<void(Event)> observer_;
  std::thread writer_;
};

}  // namespace gw::audit
