// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one thread pool of the CLIs: fn(worker, i) for every i in [0, n) on up to `jobs`
// threads (the caller's thread is worker 0). Rethrows the first failure after every
// thread has stopped; items not yet started are then skipped.
#include <cstddef>
#include <functional>

namespace pki {

void parallel_for(std::size_t n, unsigned jobs,
                  const std::function<void(unsigned worker, std::size_t i)>& fn);

}  // namespace pki
