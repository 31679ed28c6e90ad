// SPDX-License-Identifier: Apache-2.0
#pragma once
// Batch progress on stderr: a redrawn bar with rate and ETA when stderr is a terminal,
// a plain line every few seconds otherwise (logs, CI), never anything on stdout.
#include <chrono>
#include <cstddef>
#include <string>

namespace prov {

class Progress {
 public:
  Progress(std::string what, std::size_t total);
  // Called by one thread (the coordinator) with the current count.
  void update(std::size_t done);
  void finish(std::size_t done);

 private:
  [[nodiscard]] std::string line(std::size_t done) const;
  std::string what_;
  std::size_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace prov
