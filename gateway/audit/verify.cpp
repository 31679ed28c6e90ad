#include "gateway/audit/verify.hpp"

#include <nlohmann/json.hpp>
#include <vector>

#include "core/encoding.hpp"

namespace gw::audit {
namespace {

struct Line {
  std::string_view text;
  std::uint64_t seq = 0;
  std::string prev;
};

// Empty string when the line is a well-formed record, else what is wrong with it.
std::string parse_line(std::string_view text, Line& out) {
  out.text = text;
  if (text.rfind("{\"ts\":\"", 0) != 0) return "does not start with {\"ts\":";
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return "is not a JSON object";
  const auto seq = j.find("seq");
  const auto prev = j.find("prev");
  const auto event = j.find("event");
  const auto outcome = j.find("outcome");
  if (seq == j.end() || !seq->is_number_unsigned()) return "has no numeric seq";
  if (prev == j.end() || !prev->is_string() || prev->get<std::string>().size() != 64) {
    return "has no 64-hex-digit prev";
  }
  if (event == j.end() || !event->is_string()) return "has no event";
  if (outcome == j.end() || !outcome->is_string() ||
      (*outcome != "success" && *outcome != "failure")) {
    return "has no valid outcome";
  }
  out.seq = seq->get<std::uint64_t>();
  out.prev = prev->get<std::string>();
  return "";
}

VerifyResult bad(std::uint64_t line, std::string problem) {
  return {false, 0, line, "line " + std::to_string(line) + ": " + std::move(problem)};
}

}  // namespace

VerifyResult verify(std::string_view content) {
  std::vector<std::string_view> texts;
  for (std::size_t pos = 0; pos < content.size();) {
    const auto nl = content.find('\n', pos);
    if (nl == std::string_view::npos) {
      return bad(texts.size() + 1, "is not terminated by a newline (truncated write?)");
    }
    texts.push_back(content.substr(pos, nl - pos));
    pos = nl + 1;
  }
  std::vector<Line> lines(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (std::string problem = parse_line(texts[i], lines[i]); !problem.empty()) {
      return bad(i + 1, std::move(problem));
    }
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].seq != lines[i - 1].seq + 1) {
      return bad(i + 1, "seq " + std::to_string(lines[i].seq) + " does not follow " +
                            std::to_string(lines[i - 1].seq));
    }
    if (lines[i].prev == pki::sha256_hex(lines[i - 1].text)) continue;
    // Line i-1 changed (and line i is intact) or line i's own prev changed.
    const bool next_intact =
        i + 1 < lines.size() && lines[i + 1].prev == pki::sha256_hex(lines[i].text);
    if (next_intact) {
      return bad(i, "content does not match the hash recorded in line " + std::to_string(i + 1));
    }
    return bad(i + 1, "prev does not match the SHA-256 of line " + std::to_string(i));
  }
  VerifyResult ok;
  ok.lines = lines.size();
  return ok;
}

}  // namespace gw::audit
