// SPDX-License-Identifier: Apache-2.0
#pragma once
// Batch progress on stderr, never anything on stdout. Three forms:
//  * stderr a terminal: one line redrawn in place (\r, erase) with a bar, rate and ETA,
//    fitted to the terminal's width (TIOCGWINSZ), re-measured after every SIGWINCH, so
//    it never wraps;
//  * stderr a terminal with TERM=dumb (or unset): plain lines, fitted to the width, no
//    control characters;
//  * stderr not a terminal (logs, CI): a plain line every few seconds.
// The layout is libpki/batch/progress.hpp.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

namespace prov {

class Progress {
 public:
  Progress(std::string what, std::size_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  // Called by one thread (the drawer) with the current count.
  void update(std::size_t done);
  void finish(std::size_t done);

 private:
  enum class Mode { redraw, plain_tty, plain };
  [[nodiscard]] std::string line(std::size_t done) const;
  void draw(std::size_t done, bool last);
  std::string what_;
  std::size_t total_;
  Mode mode_;
  std::size_t columns_ = 0;  // 0: not a terminal
  bool handler_installed_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

// A thread that draws `done` every 100 ms until finish() (or destruction), which draws
// the final line.
class ProgressThread {
 public:
  ProgressThread(std::string what, std::size_t total, const std::atomic<std::size_t>& done);
  ~ProgressThread();
  ProgressThread(const ProgressThread&) = delete;
  ProgressThread& operator=(const ProgressThread&) = delete;
  void finish();

 private:
  Progress progress_;
  const std::atomic<std::size_t>& done_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::jthread thread_;
  bool finished_ = false;
};

}  // namespace prov
