// SPDX-License-Identifier: Apache-2.0
#include "gateway/limits/ban_list.hpp"

#include <algorithm>
#include <cmath>

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

void BanList::set_never_ban(CidrSet never_ban) {
  never_ban_ = std::move(never_ban);
}

bool BanList::record_failure(const ClientKey& key, double now, std::string_view event) {
  if (never_ban_.contains(key)) return false;
  bool started = false;
  {
    const std::lock_guard lock(mu_);
    started = record_locked(key, now, event);
  }
  if (started && on_ban_) on_ban_(key);
  return started;
}

bool BanList::record_locked(const ClientKey& key, double now, std::string_view event) {
  if (const Entry* ban = bans_.find(key); ban != nullptr && ban->until > now) return false;
  Window& w = failures_.touch(key, [&] {
    return Window{std::vector<double>(threshold_, 0.0), 0, 0};
  });
  w.times[w.next] = now;
  w.next = (w.next + 1) % w.times.size();
  w.count = std::min<std::size_t>(w.count + 1, w.times.size());
  // The oldest of the last `threshold` failures is at `next` once the ring is full.
  if (w.count < w.times.size() || now - w.times[w.next] > window_) return false;
  failures_.erase(key);
  bans_.touch(key, [] { return Entry{}; }) = Entry{now + ban_duration_, std::string(event)};
  return true;
}

bool BanList::banned(const ClientKey& key, double now) {
  const std::lock_guard lock(mu_);
  const Entry* ban = bans_.find(key);
  if (ban == nullptr) return false;
  if (ban->until > now) return true;
  bans_.erase(key);
  return false;
}

std::size_t BanList::active_bans(double now) {
  const std::lock_guard lock(mu_);
  bans_.sweep([now](const ClientKey&, const Entry& e) { return e.until <= now; });
  return bans_.size();
}

std::vector<BanList::Ban> BanList::list(double now) {
  std::vector<Ban> out;
  {
    const std::lock_guard lock(mu_);
    bans_.sweep([&](const ClientKey& key, const Entry& e) {
      if (e.until <= now) return true;
      std::string reason = std::to_string(threshold_) + " failures within " +
                           std::to_string(std::llround(window_)) + "s";
      if (!e.last_event.empty()) reason += ", the last " + e.last_event;
      out.push_back(Ban{key, e.until, std::move(reason)});
      return false;
    });
  }
  std::sort(out.begin(), out.end(), [](const Ban& a, const Ban& b) { return a.until < b.until; });
  return out;
}

bool BanList::lift(const ClientKey& key, double now) {
  const std::lock_guard lock(mu_);
  failures_.erase(key);
  const Entry* ban = bans_.find(key);
  const bool active = ban != nullptr && ban->until > now;
  bans_.erase(key);
  return active;
}

std::size_t BanList::size() const {
  const std::lock_guard lock(mu_);
  return failures_.size() + bans_.size();
}

}  // namespace gw::limits
