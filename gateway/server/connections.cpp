// SPDX-License-Identifier: Apache-2.0
#include "gateway/server/connections.hpp"

#include <vector>

namespace gw::server {

bool Connections::admit(const std::string& ip) {
  const limits::ClientKey key = limits::client_key(ip);
  const std::lock_guard lock(mu_);
  if (total_ >= max_total_) return false;
  const auto it = per_client_.find(key);
  if (it != per_client_.end() && it->second >= max_per_ip_) return false;
  ++per_client_[key];
  ++total_;
  return true;
}

std::uint64_t Connections::attach(std::weak_ptr<Drainable> s, const std::string& ip) {
  const limits::ClientKey key = limits::client_key(ip);
  const std::lock_guard lock(mu_);
  const std::uint64_t id = next_id_++;
  sessions_.emplace(id, Entry{std::move(s), key});
  return id;
}

void Connections::release(const std::string& ip) {
  const limits::ClientKey key = limits::client_key(ip);
  const std::lock_guard lock(mu_);
  const auto it = per_client_.find(key);
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
  --total_;
}

void Connections::leave(std::uint64_t id, const std::string& ip) {
  {
    const std::lock_guard lock(mu_);
    sessions_.erase(id);
  }
  release(ip);
}

void Connections::drain(const limits::ClientKey* only) {
  std::vector<std::shared_ptr<Drainable>> live;
  {
    const std::lock_guard lock(mu_);
    for (const auto& [id, e] : sessions_) {
      if (only != nullptr && !(e.key == *only)) continue;
      if (auto s = e.session.lock()) live.push_back(std::move(s));
    }
  }
  for (const auto& s : live) s->drain();  // outside the lock: drain() posts work
}

void Connections::drain_all() {
  drain(nullptr);
}

void Connections::close_client(const limits::ClientKey& key) {
  drain(&key);
}

std::size_t Connections::active() const {
  const std::lock_guard lock(mu_);
  return total_;
}

std::uint64_t Connections::count(const std::string& ip) const {
  const limits::ClientKey key = limits::client_key(ip);
  const std::lock_guard lock(mu_);
  const auto it = per_client_.find(key);
  return it == per_client_.end() ? 0 : it->second;
}

}  // namespace gw::server
