#include "gateway/audit/verify.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "core/encoding.hpp"
#include "gateway/audit/audit_log.hpp"

namespace gw::audit {
namespace {

struct Line {
  std::string_view text;
  ParsedLine parsed;
};

VerifyResult bad(std::uint64_t line, std::string problem) {
  VerifyResult r;
  r.ok = false;
  r.bad_line = line;
  r.problem = "line " + std::to_string(line) + ": " + std::move(problem);
  return r;
}

// Empty when line `i` continues line `last` (seq + 1, prev = hash), else why not.
std::string chain_problem(const std::vector<Line>& lines, std::size_t i, std::size_t last) {
  if (lines[i].parsed.seq != lines[last].parsed.seq + 1) {
    return "seq " + std::to_string(lines[i].parsed.seq) + " does not follow " +
           std::to_string(lines[last].parsed.seq);
  }
  if (lines[i].parsed.prev != pki::sha256_hex(lines[last].text)) return "prev";
  return "";
}

// A repair record written at a start: it continues `last` (or anchors the chain when
// the tear was the first line).
bool repairs(const std::vector<Line>& lines, std::size_t j, std::optional<std::size_t> last) {
  if (j >= lines.size() || !lines[j].parsed.ok()) return false;
  if (lines[j].parsed.event != event::kAuditTailRepaired) return false;
  return !last || chain_problem(lines, j, *last).empty();
}

}  // namespace

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
  std::vector<Line> lines;
  for (std::size_t pos = 0; pos < content.size();) {
    const auto nl = content.find('\n', pos);
    if (nl == std::string_view::npos) {
      return bad(lines.size() + 1,
                 "is not terminated by a newline (a torn write; the gateway repairs it when it "
                 "next starts)");
    }
    lines.push_back({content.substr(pos, nl - pos), {}});
    pos = nl + 1;
  }
  for (Line& l : lines) l.parsed = parse_record(l.text);

  VerifyResult result;
  std::optional<std::size_t> last;  // the last line accepted into the chain
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string problem = lines[i].parsed.problem;
    if (problem.empty() && last) problem = chain_problem(lines, i, *last);
    if (problem.empty()) {
      last = i;
      ++result.lines;
      continue;
    }
    if (repairs(lines, i + 1, last)) {
      result.repaired.push_back(i + 1);
      continue;
    }
    if (!lines[i].parsed.ok()) return bad(i + 1, problem);
    if (problem != "prev") return bad(i + 1, problem);
    // Line `last` changed (and line i is intact) or line i's own prev changed.
    const bool next_intact = i + 1 < lines.size() && lines[i + 1].parsed.ok() &&
                             lines[i + 1].parsed.prev == pki::sha256_hex(lines[i].text);
    if (next_intact) {
      return bad(*last + 1,
                 "content does not match the hash recorded in line " + std::to_string(i + 1));
    }
    return bad(i + 1, "prev does not match the SHA-256 of line " + std::to_string(*last + 1));
  }
  return result;
}

}  // namespace gw::audit
