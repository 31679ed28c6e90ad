// SPDX-License-Identifier: Apache-2.0
#pragma once
// `iot-gateway audit verify`: walks the hash chain of an audit log.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::audit {

// One line of the log, parsed: `problem` is empty for a well-formed record.
struct ParsedLine {
  std::string problem;
  std::uint64_t seq = 0;
  std::string prev;
  std::string event;
  // An AUDIT_CHECKPOINT's own fields (checkpoint.hpp); empty / 0 when absent.
  std::string ts;
  std::string kid;
  std::string checkpoint;  // the kind
  std::int64_t interval_ms = 0;
  std::string sig;
  [[nodiscard]] bool ok() const { return problem.empty(); }
};
[[nodiscard]] ParsedLine parse_record(std::string_view text);

struct VerifyResult {
  bool ok = true;
  std::uint64_t lines = 0;     // records in the chain (repaired fragments not counted)
  std::uint64_t bad_line = 0;  // 1-based line number of the first bad line when !ok
  std::string problem;
  // 1-based line numbers of torn fragments that the gateway repaired at a start: each
  // is followed by an AUDIT_TAIL_REPAIRED record that chains to the line before it.
  std::vector<std::uint64_t> repaired;
  // Checkpoints (only checked when a key is given, VerifyOptions::key).
  bool signatures_checked = false;
  std::uint64_t checkpoints = 0;
  struct Checkpoint {
    std::uint64_t line = 0;
    std::uint64_t seq = 0;
    std::string ts;
    std::string kind;
    std::int64_t interval_ms = 0;
  };
  std::optional<Checkpoint> last_checkpoint;
  std::uint64_t after_checkpoint = 0;  // records after the last checkpoint: not yet signed
  bool ends_with_shutdown = false;
  std::string head;  // how the log starts: "genesis", "open checkpoint", "seq N"
  // Lines of `start` checkpoints whose previous run ended without its shutdown
  // checkpoint: a crash, a kill -9, or the tail of that run cut before a restart.
  std::vector<std::uint64_t> unclean_stops;
};

class CheckpointVerifier;
struct VerifyOptions {
  // With a key: every checkpoint's signature must verify, the log must start at the
  // chain's genesis or at a signed `open` checkpoint, hold at least one checkpoint, and
  // end with the shutdown checkpoint (`stopped`) or a checkpoint younger than twice its
  // interval + 5 s (measured against `now_ms`).
  const CheckpointVerifier* key = nullptr;
  bool stopped = false;
  std::int64_t now_ms = 0;
};
// "2026-01-02T03:04:05.678Z" → Unix milliseconds; nullopt when it is not that form.
[[nodiscard]] std::optional<std::int64_t> parse_ts(std::string_view ts);

// The first line's `prev` anchors the chain (a rotated file starts mid-chain); every
// later line must have seq = previous seq + 1 and prev = SHA-256 hex of the previous
// line. When line N+1's `prev` does not match line N, the line blamed is N when line
// N+1 is itself intact (its hash matches line N+2's prev), else N+1.
// One exception, a repaired tear: a line that is not a record (or does not chain),
// directly followed by an AUDIT_TAIL_REPAIRED record whose seq and prev continue the
// line before it, is reported in `repaired` and skipped; the chain must hold across it.
[[nodiscard]] VerifyResult verify(std::string_view content, VerifyOptions options = {});

// The same walk, fed one line at a time (without its '\n'), so a log of any size is
// checked in bounded memory: it keeps two hashes and one undecided line's facts.
class Verifier {
 public:
  explicit Verifier(VerifyOptions options = {}) : opt_(options) {}
  // A line longer than this is not an audit record (they are a few hundred bytes).
  static constexpr std::size_t kMaxLine = 1 << 20;
  // False once the result is decided (a bad line): stop feeding.
  bool add(std::string_view line);
  // `torn_tail`: the content did not end with '\n' (its last line is a fragment).
  [[nodiscard]] VerifyResult finish(bool torn_tail);

 private:
  struct Pending {
    std::uint64_t line = 0;
    std::string problem;
    bool parsed = false;  // a record whose only fault is its chain
    std::string hash;     // SHA-256 hex of its text
  };
  void fail(std::uint64_t line, std::string problem);
  void decide(const ParsedLine* next);
  // A record the chain accepted: head, checkpoint and tail bookkeeping.
  void accepted(const ParsedLine& p);
  void end_checks();

  VerifyOptions opt_;
  std::string last_kind_;  // of the last checkpoint

  VerifyResult result_;
  bool done_ = false;
  std::uint64_t line_no_ = 0;
  bool have_last_ = false;
  std::uint64_t last_line_ = 0;
  std::uint64_t last_seq_ = 0;
  std::string last_hash_;
  std::optional<Pending> pending_;
};

}  // namespace gw::audit
