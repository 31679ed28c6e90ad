// SPDX-License-Identifier: Apache-2.0
#pragma once
// Per-client token buckets for POST /auth/token (SPEC §5: token_rate, token_burst).
#include <cstddef>
#include <mutex>

#include "gateway/limits/lru_table.hpp"

namespace gw::limits {

struct TokenDecision {
  bool allowed = true;
  double retry_after = 0;  // seconds until one token is back, when refused
  bool audit = false;      // refused and the first refusal this window: write RATE_LIMITED
};

class TokenBuckets {
 public:
  // `audit_window`: a client's RATE_LIMITED record is written at most once per window,
  // so a flood cannot flood the audit log.
  TokenBuckets(double rate, double burst, std::size_t capacity, double audit_window);

  // Takes one token at time `now` (seconds, monotonic).
  [[nodiscard]] TokenDecision take(const ClientKey& key, double now);
  [[nodiscard]] std::size_t size() const;

 private:
  struct Bucket {
    double tokens;
    double updated;
    double last_audit;
  };
  const double rate_;
  const double burst_;
  const double audit_window_;
  mutable std::mutex mu_;
  LruTable<Bucket> table_;
};

}  // namespace gw::limits
