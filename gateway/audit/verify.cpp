// SPDX-License-Identifier: Apache-2.0
#include "gateway/audit/verify.hpp"

#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "gateway/audit/audit_log.hpp"

namespace gw::audit {

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
  }
  return out;
}

VerifyResult verify(std::string_view content) {
  Verifier v;
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
  ParsedLine parsed =
      text.size() > kMaxLine
          ? ParsedLine{"is longer than " + std::to_string(kMaxLine) + " bytes: not an audit record",
                       0, "", ""}
          : parse_record(text);
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
  ++result_.lines;
  return true;
}

VerifyResult Verifier::finish(bool torn_tail) {
  if (!done_ && pending_) decide(nullptr);
  if (!done_ && torn_tail) {
    fail(line_no_ + 1,
         "is not terminated by a newline (a torn write; the gateway repairs it when it next "
         "starts)");
  }
  done_ = true;
  return result_;
}

}  // namespace gw::audit
