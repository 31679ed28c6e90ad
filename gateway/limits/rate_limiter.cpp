// SPDX-License-Identifier: Apache-2.0
#include "gateway/limits/rate_limiter.hpp"

#include <algorithm>
#include <limits>

namespace gw::limits {

TokenBuckets::TokenBuckets(double rate, double burst, std::size_t capacity, double audit_window)
    : rate_(rate), burst_(std::max(1.0, burst)), audit_window_(audit_window), table_(capacity) {}

TokenDecision TokenBuckets::take(const ClientKey& key, double now) {
  const std::lock_guard lock(mu_);
  Bucket& b = table_.touch(key, [&] {
    return Bucket{burst_, now, -std::numeric_limits<double>::infinity()};
  });
  b.tokens = std::min(burst_, b.tokens + (now - b.updated) * rate_);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  TokenDecision d;
  d.allowed = false;
  d.retry_after = rate_ > 0 ? (1.0 - b.tokens) / rate_ : audit_window_;
  if (now - b.last_audit >= audit_window_) {
    b.last_audit = now;
    d.audit = true;
  }
  return d;
}

std::size_t TokenBuckets::size() const {
  const std::lock_guard lock(mu_);
  return table_.size();
}

}  // namespace gw::limits
