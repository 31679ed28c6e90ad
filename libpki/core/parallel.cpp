// SPDX-License-Identifier: Apache-2.0
#include "core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace pki {

void parallel_for(std::size_t n, unsigned jobs,
                  const std::function<void(unsigned worker, std::size_t i)>& fn) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mu;
  const auto work = [&](unsigned worker) {
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        fn(worker, i);
      } catch (...) {
        const std::lock_guard lock(failure_mu);
        if (!failure) failure = std::current_exception();
        next = n;
      }
    }
  };
  const unsigned threads = std::max(1U, std::min<unsigned>(jobs, static_cast<unsigned>(n)));
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace pki
