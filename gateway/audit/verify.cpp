// SPDX-License-Identifier: Apache-2.0
#include "gateway/audit/verify.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include <ctime>

#include "core/encoding.hpp"
#include "gateway/audit/audit_log.hpp"
#include "gateway/audit/checkpoint.hpp"

namespace gw::audit {
namespace {

const std::string kGenesisPrev(64, '0');

std::string str(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<std::int64_t> parse_ts(std::string_view ts) {
  // Exactly YYYY-MM-DDTHH:MM:SS.mmmZ, as the writer renders it.
  if (ts.size() != 24) return std::nullopt;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const char c = ts[i];
    const char want = i == 4 || i == 7     ? '-'
                      : i == 10            ? 'T'
                      : i == 13 || i == 16 ? ':'
                      : i == 19            ? '.'
                      : i == 23            ? 'Z'
                                           : '0';
    if (want == '0' ? (c < '0' || c > '9') : c != want) return std::nullopt;
  }
  const auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (ts[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + num(20, 3);
}

ParsedLine parse_record(std::string_view text) {
  ParsedLine out;
  if (text.rfind("{\"ts\":\"", 0) != 0) {
    out.problem = "does not start with {\"ts\":";
    return out;
  }
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) {
    out.problem = "is not a JSON object";
    return out;
  }
  const auto seq = j.find("seq");
  const auto prev = j.find("prev");
  const auto event = j.find("event");
  const auto outcome = j.find("outcome");
  if (seq == j.end() || !seq->is_number_unsigned()) {
    out.problem = "has no numeric seq";
  } else if (prev == j.end() || !prev->is_string() || prev->get<std::string>().size() != 64) {
    out.problem = "has no 64-hex-digit prev";
  } else if (event == j.end() || !event->is_string()) {
    out.problem = "has no event";
  } else if (outcome == j.end() || !outcome->is_string() ||
             (*outcome != "success" && *outcome != "failure")) {
    out.problem = "has no valid outcome";
  } else {
    out.seq = seq->get<std::uint64_t>();
    out.prev = prev->get<std::string>();
    out.event = event->get<std::string>();
    out.ts = str(j, "ts");
    if (out.event == name(Event::audit_checkpoint)) {
      out.kid = str(j, "kid");
      out.checkpoint = str(j, "checkpoint");
      out.sig = str(j, "sig");
      const auto iv = j.find("interval_ms");
      if (iv != j.end() && iv->is_number_unsigned()) {
        const auto v = iv->get<std::uint64_t>();
        out.interval_ms = v > 1'000'000'000'000ULL ? 0 : static_cast<std::int64_t>(v);
      }
    }
  }
  return out;
}

VerifyResult verify(std::string_view content, VerifyOptions options) {
  Verifier v(options);
  std::size_t pos = 0;
  while (pos < content.size()) {
    const auto nl = content.find('\n', pos);
    if (nl == std::string_view::npos) break;
    if (!v.add(content.substr(pos, nl - pos))) return v.finish(false);
    pos = nl + 1;
  }
  return v.finish(pos < content.size());
}

void Verifier::fail(std::uint64_t line, std::string problem) {
  result_.ok = false;
  result_.bad_line = line;
  result_.problem = "line " + std::to_string(line) + ": " + std::move(problem);
  done_ = true;
}

// Settles the undecided line with the line after it (`next`, null at the end).
void Verifier::decide(const ParsedLine* next) {
  const Pending p = std::move(*pending_);
  pending_.reset();
  // A repaired tear: the next record is the gateway's repair record and continues the
  // last accepted line (or anchors the chain when the tear was the first line).
  if (next != nullptr && next->ok() && next->event == name(Event::audit_tail_repaired) &&
      (!have_last_ || (next->seq == last_seq_ + 1 && next->prev == last_hash_))) {
    result_.repaired.push_back(p.line);
    return;
  }
  if (!p.parsed || p.problem != "prev") return fail(p.line, p.problem);
  // Line `last` changed (and line p is intact) or line p's own prev changed.
  if (next != nullptr && next->ok() && next->prev == p.hash) {
    return fail(last_line_,
                "content does not match the hash recorded in line " + std::to_string(p.line));
  }
  fail(p.line, "prev does not match the SHA-256 of line " + std::to_string(last_line_));
}

bool Verifier::add(std::string_view text) {
  if (done_) return false;
  ++line_no_;
  ParsedLine parsed;
  if (text.size() > kMaxLine) {
    parsed.problem = "is longer than " + std::to_string(kMaxLine) + " bytes: not an audit record";
  } else {
    parsed = parse_record(text);
  }
  if (pending_) decide(&parsed);
  if (done_) return false;
  std::string problem = parsed.problem;
  const std::string hash = parsed.ok() ? pki::sha256_hex(text) : std::string();
  if (problem.empty() && have_last_) {
    if (parsed.seq != last_seq_ + 1) {
      problem =
          "seq " + std::to_string(parsed.seq) + " does not follow " + std::to_string(last_seq_);
    } else if (parsed.prev != last_hash_) {
      problem = "prev";
    }
  }
  if (!problem.empty()) {
    pending_ = Pending{line_no_, std::move(problem), parsed.ok(), hash};
    return true;
  }
  have_last_ = true;
  last_line_ = line_no_;
  last_seq_ = parsed.seq;
  last_hash_ = hash;
  accepted(parsed);
  if (done_) return false;
  ++result_.lines;
  return true;
}

void Verifier::accepted(const ParsedLine& p) {
  const bool checkpoint = p.event == name(Event::audit_checkpoint);
  const std::string at = "(seq " + std::to_string(p.seq) + ") ";
  if (checkpoint && opt_.key != nullptr) {
    static const std::array<std::string_view, 4> kKinds = {"open", "start", "periodic", "shutdown"};
    if (std::find(kKinds.begin(), kKinds.end(), p.checkpoint) == kKinds.end() ||
        p.interval_ms <= 0 || p.kid.empty() || p.sig.empty() || !parse_ts(p.ts)) {
      return fail(line_no_, at + "is an AUDIT_CHECKPOINT without valid checkpoint, interval_ms, "
                                 "kid, sig or ts fields");
    }
    if (p.kid != opt_.key->kid()) {
      return fail(line_no_, at + "checkpoint signed by key " + p.kid + ", not by the given key " +
                                opt_.key->kid());
    }
    const std::string msg = signed_bytes(p.checkpoint, p.seq, p.prev, p.ts, p.interval_ms, p.kid);
    if (!opt_.key->verify(msg, p.sig)) {
      return fail(line_no_, at + "the checkpoint's signature does not verify: this line, or the "
                                 "chain before it, was rewritten (hashes recomputed)");
    }
  }
  if (result_.lines == 0) {
    if (p.seq == 1 && p.prev == kGenesisPrev) {
      result_.head = "genesis";
    } else if (checkpoint && p.checkpoint == "open") {
      result_.head = "open checkpoint";
    } else {
      result_.head = "seq " + std::to_string(p.seq);
      if (opt_.key != nullptr) {
        return fail(line_no_,
                    at + "the log starts here, neither at the chain's start (seq 1) nor at a "
                         "signed file-start (open) checkpoint: lines before it were removed");
      }
    }
  }
  if (!checkpoint) {
    ++result_.after_checkpoint;
    result_.ends_with_shutdown = false;
    return;
  }
  if (p.checkpoint == "start" && result_.last_checkpoint && last_kind_ != "shutdown") {
    result_.unclean_stops.push_back(line_no_);
  }
  ++result_.checkpoints;
  result_.after_checkpoint = 0;
  result_.last_checkpoint =
      VerifyResult::Checkpoint{line_no_, p.seq, p.ts, p.checkpoint, p.interval_ms};
  result_.ends_with_shutdown = p.checkpoint == "shutdown";
  last_kind_ = p.checkpoint;
}

VerifyResult Verifier::finish(bool torn_tail) {
  if (!done_ && pending_) decide(nullptr);
  if (!done_ && torn_tail) {
    fail(line_no_ + 1,
         "is not terminated by a newline (a torn write; the gateway repairs it when it next "
         "starts)");
  }
  if (!done_ && opt_.key != nullptr) end_checks();
  done_ = true;
  return result_;
}

void Verifier::end_checks() {
  result_.signatures_checked = true;
  const auto& last = result_.last_checkpoint;
  if (!last) {
    return fail(line_no_ == 0 ? 1 : line_no_,
                "no AUDIT_CHECKPOINT record: nothing in this log is signed (is [audit] "
                "checkpoint_key set?)");
  }
  if (result_.ends_with_shutdown) return;
  const std::string where = "the last checkpoint is line " + std::to_string(last->line) + " (seq " +
                            std::to_string(last->seq) + ", " + last->ts + ", " + last->kind +
                            "), " + std::to_string(result_.after_checkpoint) +
                            " record(s) after it are unsigned";
  if (opt_.stopped) {
    return fail(line_no_,
                "the log does not end with the gateway's shutdown checkpoint: its "
                "tail was cut, or the gateway was killed; " +
                    where);
  }
  const auto ts = parse_ts(last->ts);
  const std::int64_t due = (ts ? *ts : 0) + 2 * last->interval_ms + 5000;
  if (opt_.now_ms > due) {
    return fail(line_no_, "no checkpoint since " + last->ts + ", though one is due every " +
                              std::to_string(last->interval_ms) +
                              " ms: records after it were cut, or the gateway stopped without "
                              "its shutdown checkpoint (killed, crashed); " +
                              where);
  }
}

}  // namespace gw::audit
