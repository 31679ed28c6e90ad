// SPDX-License-Identifier: Apache-2.0
#include "gateway/limits/ban_list.hpp"

#include <algorithm>

namespace gw::limits {

BanList::BanList(std::uint64_t threshold, double window, double ban_duration, std::size_t capacity)
    : threshold_(std::max<std::uint64_t>(1, threshold)),
      window_(window),
      ban_duration_(ban_duration),
      failures_(capacity),
      bans_(capacity) {}

void BanList::set_observer(std::function<void(const ClientKey&)> on_ban) {
  on_ban_ = std::move(on_ban);
}

bool BanList::record_failure(const ClientKey& key, double now) {
  bool started = false;
  {
    const std::lock_guard lock(mu_);
    started = record_locked(key, now);
  }
  if (started && on_ban_) on_ban_(key);
  return started;
}

bool BanList::record_locked(const ClientKey& key, double now) {
  if (const double* until = bans_.find(key); until != nullptr && *until > now) return false;
  Window& w = failures_.touch(key, [&] {
    return Window{std::vector<double>(threshold_, 0.0), 0, 0};
  });
  w.times[w.next] = now;
  w.next = (w.next + 1) % w.times.size();
  w.count = std::min<std::size_t>(w.count + 1, w.times.size());
  // The oldest of the last `threshold` failures is at `next` once the ring is full.
  if (w.count < w.times.size() || now - w.times[w.next] > window_) return false;
  failures_.erase(key);
  bans_.touch(key, [] { return 0.0; }) = now + ban_duration_;
  return true;
}

bool BanList::banned(const ClientKey& key, double now) {
  const std::lock_guard lock(mu_);
  const double* until = bans_.find(key);
  if (until == nullptr) return false;
  if (*until > now) return true;
  bans_.erase(key);
  return false;
}

std::size_t BanList::active_bans(double now) {
  const std::lock_guard lock(mu_);
  bans_.sweep([now](const ClientKey&, double until) { return until <= now; });
  return bans_.size();
}

std::size_t BanList::size() const {
  const std::lock_guard lock(mu_);
  return failures_.size() + bans_.size();
}

}  // namespace gw::limits
