// SPDX-License-Identifier: Apache-2.0
#include "iot-provision/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace prov {
namespace {

std::string format_eta(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", s);
  }
  return buf;
}

}  // namespace

Progress::Progress(std::string what, std::size_t total)
    : what_(std::move(what)),
      total_(total),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

std::string Progress::line(std::size_t done) const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const std::string eta =
      rate > 0 ? format_eta(static_cast<double>(total_ - done) / rate) : std::string("?");
  char buf[160];
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = total_ == 0 ? kWidth : static_cast<int>(kWidth * done / total_);
    const std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '.');
    std::snprintf(buf, sizeof buf, "\r\033[K%s [%s] %zu/%zu  %.1f/s  ETA %s", what_.c_str(),
                  bar.c_str(), done, total_, rate, eta.c_str());
  } else {
    std::snprintf(buf, sizeof buf, "%s: %zu/%zu rows (%.1f/s, ETA %s)\n", what_.c_str(), done,
                  total_, rate, eta.c_str());
  }
  return buf;
}

void Progress::update(std::size_t done) {
  const auto now = std::chrono::steady_clock::now();
  const auto every = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (now - last_ < every) return;
  last_ = now;
  std::cerr << line(done) << std::flush;
}

void Progress::finish(std::size_t done) {
  std::cerr << line(done) << (tty_ ? "\n" : "") << std::flush;
}

}  // namespace prov
