// SPDX-License-Identifier: Apache-2.0
#pragma once
// Per-client failure windows and bans (SPEC §5: failure_threshold failures within
// failure_window → banned for ban_duration, enforced at accept before any TLS work).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "gateway/limits/lru_table.hpp"

namespace gw::limits {

class BanList {
 public:
  BanList(std::uint64_t threshold, double window, double ban_duration, std::size_t capacity);

  // Called once when a ban starts, outside the lock, on the thread that recorded the
  // failure: the gateway closes the client's open connections (a ban reaches them too,
  // not only new ones). Set before any failure is recorded.
  void set_observer(std::function<void(const ClientKey&)> on_ban);

  // Records one authentication failure at `now`; true when it starts a ban (the one
  // moment to write IP_BANNED).
  bool record_failure(const ClientKey& key, double now);
  [[nodiscard]] bool banned(const ClientKey& key, double now);
  [[nodiscard]] std::size_t active_bans(double now);
  // Entries tracked (failure windows + bans); bounded by twice the capacity.
  [[nodiscard]] std::size_t size() const;

 private:
  struct Window {
    std::vector<double> times;  // ring of the last `threshold` failure times
    std::size_t next = 0;
    std::size_t count = 0;
  };
  bool record_locked(const ClientKey& key, double now);

  std::function<void(const ClientKey&)> on_ban_;
  const std::uint64_t threshold_;
  const double window_;
  const double ban_duration_;
  mutable std::mutex mu_;
  LruTable<Window> failures_;
  LruTable<double> bans_;  // ban expiry
};

}  // namespace gw::limits
