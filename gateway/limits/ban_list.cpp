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
  const double width = std::max(window_ / static_cast<double>(kSlots), 1e-6);
  const auto slot = static_cast<std::int64_t>(std::floor(now / width));
  Window& w = failures_.touch(key, [&] { return Window{{}, slot}; });
  if (slot > w.newest) {  // the slots that went out of the window start again at 0
    const std::int64_t gone = std::min<std::int64_t>(slot - w.newest, kSlots);
    for (std::int64_t i = 1; i <= gone; ++i) {
      w.counts[static_cast<std::size_t>((w.newest + i) % static_cast<std::int64_t>(kSlots))] = 0;
    }
    w.newest = slot;
  }
  const std::int64_t at = std::max(slot, w.newest - static_cast<std::int64_t>(kSlots) + 1);
  ++w.counts[static_cast<std::size_t>(at % static_cast<std::int64_t>(kSlots))];
  std::uint64_t in_window = 0;
  for (const std::uint64_t c : w.counts) in_window += c;
  if (in_window < threshold_) return false;
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
