// SPDX-License-Identifier: Apache-2.0
#pragma once
// Per-client failure windows and bans (SPEC §5: failure_threshold failures within
// failure_window → banned for ban_duration, enforced at accept before any TLS work).
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/limits/cidr.hpp"
#include "gateway/limits/lru_table.hpp"

namespace gw::limits {

class BanList {
 public:
  BanList(std::uint64_t threshold, double window, double ban_duration, std::size_t capacity);

  // Called once when a ban starts, outside the lock, on the thread that recorded the
  // failure: the gateway closes the client's open connections (a ban reaches them too,
  // not only new ones). Set before any failure is recorded.
  void set_observer(std::function<void(const ClientKey&)> on_ban);

  // Clients that are never banned ([rate_limit] never_ban): their failures are not
  // counted at all. Set before any failure is recorded.
  void set_never_ban(CidrSet never_ban);
  [[nodiscard]] bool never_banned(const ClientKey& key) const { return never_ban_.contains(key); }

  // Records one authentication failure at `now`; true when it starts a ban (the one
  // moment to write IP_BANNED). `event` (the failure's audit event) is kept as the
  // ban's reason when it starts one.
  bool record_failure(const ClientKey& key, double now, std::string_view event = {});

  // The bans in force at `now` (for GET /admin/bans), soonest to end first.
  struct Ban {
    ClientKey key;
    double until = 0;    // on the `now` clock
    std::string reason;  // "10 failures within 60s, the last AUTH_NO_CERT"
  };
  [[nodiscard]] std::vector<Ban> list(double now);
  // Ends the client's ban and forgets its failure window; false when it had none.
  bool lift(const ClientKey& key, double now);
  [[nodiscard]] bool banned(const ClientKey& key, double now);
  [[nodiscard]] std::size_t active_bans(double now);
  // Entries tracked (failure windows + bans); bounded by twice the capacity.
  [[nodiscard]] std::size_t size() const;

 private:
  // Failure counts in kSlots slots of failure_window / kSlots seconds each: a fixed
  // 136 bytes per client whatever the threshold (a ring of the last `threshold` failure
  // times cost 8 bytes x threshold: 80 KB per address at 10,000). A failure counts
  // toward a ban while its slot is one of the last kSlots, so a ban needs `threshold`
  // failures within the window; one older than 15/16 of it may already have left.
  static constexpr std::size_t kSlots = 16;
  struct Window {
    std::array<std::uint64_t, kSlots> counts{};
    std::int64_t newest = 0;  // the slot number (time / slot width) of the newest failure
  };
  bool record_locked(const ClientKey& key, double now, std::string_view event);
  struct Entry {
    double until = 0;
    std::string last_event;
  };

  std::function<void(const ClientKey&)> on_ban_;
  const std::uint64_t threshold_;
  const double window_;
  const double ban_duration_;
  mutable std::mutex mu_;
  LruTable<Window> failures_;
  LruTable<Entry> bans_;  // ban expiry and the failure that started it
  CidrSet never_ban_;
};

}  // namespace gw::limits
