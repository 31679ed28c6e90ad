// SPDX-License-Identifier: Apache-2.0
#pragma once
// Forwards every audit record to a syslog collector (SPEC §10): RFC 5424 messages in
// RFC 6587 octet-counting frames over TCP, or TLS (`tls://`, verified against
// [audit] syslog_ca and the URL's host). It runs on its own thread behind a bounded
// queue: the audit writer hands it each line it wrote and never waits. While the
// collector is unreachable the queue fills; past its capacity lines are dropped and
// counted, and once the forwarder has caught up it reports the loss (count and seq
// range) through the loss callback, which writes an AUDIT_FORWARD_LOST record.
// It reconnects with exponential backoff (100 ms to 5 s). The stream has no
// acknowledgements, so after a reconnect the last kReplay records sent on the old
// connection are sent again: a collector may see a record twice (same seq and hash),
// and records sent into a connection that died before that window are lost unnoticed
// (docs/trust.md).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "gateway/audit/events.hpp"

namespace gw::audit {

struct SyslogTarget {
  bool tls = false;
  std::string host;
  std::string port;
  std::filesystem::path ca;  // tls only: the CA file the collector's certificate chains to
};
// "tcp://host:port", "tls://host:port", "tcp://[v6]:port": "" or the problem.
[[nodiscard]] std::string parse_syslog_url(std::string_view url, SyslogTarget& out);

// One RFC 5424 message (no frame): PRI 13 (log audit) × 8 + 6 (info) for a success,
// + 4 (warning) for a failure; the record's ts; APP-NAME iot-gateway; MSGID the event;
// structured data [audit@32473 seq="…" hash="…"] (hash: SHA-256 hex of the line); MSG
// the JSON line itself.
[[nodiscard]] std::string syslog_message(std::string_view line, std::uint64_t seq, Event event,
                                         std::string_view hostname, long pid);

class SyslogForwarder {
 public:
  static constexpr std::size_t kReplay = 256;
  static constexpr std::size_t kSendBatch = 256;
  SyslogForwarder(SyslogTarget target, std::size_t queue_size);
  SyslogForwarder(const SyslogForwarder&) = delete;
  SyslogForwarder& operator=(const SyslogForwarder&) = delete;
  ~SyslogForwarder();  // stop(): sends what it can within kDrain, then closes

  // Called with "N records (seq A-B) ..." once the forwarder caught up after a loss.
  // Set before start(); called on the forwarder's thread.
  void set_loss_reporter(std::function<void(std::string)> f) { report_ = std::move(f); }
  void start();
  void stop();
  // Never blocks beyond a short mutex hold; counts the line as dropped on a full queue.
  void push(std::uint64_t seq, Event event, std::string line) noexcept;

  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.load(); }
  [[nodiscard]] std::uint64_t sent() const noexcept { return sent_.load(); }
  [[nodiscard]] std::uint64_t queued() const noexcept { return queued_.load(); }
  [[nodiscard]] bool connected() const noexcept { return connected_.load(); }

 private:
  struct Item {
    std::uint64_t seq;
    Event event;
    std::string line;   // the JSON line; framed on the forwarder's thread
    std::string frame;  // length-prefixed RFC 5424 message, once built
  };
  void run();

  SyslogTarget target_;
  std::size_t capacity_;
  std::string hostname_;
  long pid_;
  std::function<void(std::string)> report_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stop_ = false;
  // Lost since the last report: count and seq range.
  std::uint64_t lost_count_ = 0;
  std::uint64_t lost_first_ = 0;
  std::uint64_t lost_last_ = 0;

  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> queued_{0};
  std::atomic<bool> connected_{false};
  std::thread thread_;
};

}  // namespace gw::audit
