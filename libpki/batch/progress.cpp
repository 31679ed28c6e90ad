// SPDX-License-Identifier: Apache-2.0
#include "batch/progress.hpp"

#include <algorithm>
#include <cstdio>
#include <initializer_list>

namespace pki::batch {
namespace {

constexpr std::size_t kDefaultColumns = 80;
constexpr std::size_t kMinBar = 5;   // narrower than this, a bar says nothing
constexpr std::size_t kMaxBar = 50;  // wider than this, it only fills the screen

std::string rate_text(const ProgressState& s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f/s", s.rate);
  return buf;
}

std::string eta_text(const ProgressState& s) {
  return "ETA " + (s.eta_seconds >= 0 ? format_eta(s.eta_seconds) : std::string("?"));
}

// "6/12"; padded (" 6/12") to the total's digits for a redrawn line, so it does not
// shift as the count grows.
std::string count_text(const ProgressState& s, bool pad = false) {
  const std::string done = std::to_string(s.done);
  const std::string total = std::to_string(s.total);
  const std::size_t fill = pad && total.size() > done.size() ? total.size() - done.size() : 0;
  return std::string(fill, ' ') + done + "/" + total;
}

std::string cut(std::string line, std::size_t width) {
  if (line.size() > width) line.resize(width);
  return line;
}

// The first of `candidates` that fits in `width`, else the last one cut to it.
std::string first_fitting(std::initializer_list<std::string> candidates, std::size_t width) {
  for (const std::string& c : candidates) {
    if (c.size() <= width) return c;
  }
  return cut(*(candidates.end() - 1), width);
}

}  // namespace

std::string format_eta(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  char buf[48];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", s);
  }
  return buf;
}

std::string progress_bar_line(const ProgressState& s, std::size_t columns) {
  const std::size_t width = (columns == 0 ? kDefaultColumns : columns) - 1;
  const std::string what(s.what);
  const std::string tail = " " + count_text(s, true) + "  " + rate_text(s) + "  " + eta_text(s);
  const std::size_t frame = what.size() + 3 + tail.size();  // "what [" + "]" + tail
  if (frame + kMinBar <= width) {
    const std::size_t bar = std::min(width - frame, kMaxBar);
    const std::size_t filled = s.total == 0 ? bar : bar * std::min(s.done, s.total) / s.total;
    return what + " [" + std::string(filled, '#') + std::string(bar - filled, '.') + "]" + tail;
  }
  const std::string count = what + " " + count_text(s, true);
  return first_fitting({count + "  " + rate_text(s) + "  " + eta_text(s),
                        count + "  " + eta_text(s), count, count_text(s)},
                       width);
}

std::string progress_plain_line(const ProgressState& s, std::size_t columns) {
  const std::string head = std::string(s.what) + ": " + count_text(s) + " rows";
  const std::string full = head + " (" + rate_text(s) + ", " + eta_text(s) + ")";
  if (columns == 0) return full;
  return first_fitting({full, head + " (" + eta_text(s) + ")", head, count_text(s)}, columns - 1);
}

}  // namespace pki::batch
