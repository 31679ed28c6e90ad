#include "gateway/server/connections.hpp"

#include <vector>

namespace gw::server {

bool Connections::admit(const std::string& ip) {
  const std::lock_guard lock(mu_);
  if (total_ >= max_total_) return false;
  std::uint64_t& n = per_ip_[ip];
  if (n >= max_per_ip_) return false;
  ++n;
  ++total_;
  return true;
}

std::uint64_t Connections::attach(std::weak_ptr<Drainable> s) {
  const std::lock_guard lock(mu_);
  const std::uint64_t id = next_id_++;
  sessions_.emplace(id, std::move(s));
  return id;
}

void Connections::release(const std::string& ip) {
  const std::lock_guard lock(mu_);
  const auto it = per_ip_.find(ip);
  if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
  --total_;
}

void Connections::leave(std::uint64_t id, const std::string& ip) {
  {
    const std::lock_guard lock(mu_);
    sessions_.erase(id);
  }
  release(ip);
}

void Connections::drain_all() {
  std::vector<std::shared_ptr<Drainable>> live;
  {
    const std::lock_guard lock(mu_);
    for (const auto& [id, w] : sessions_) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (const auto& s : live) s->drain();  // outside the lock: drain() posts work
}

std::size_t Connections::active() const {
  const std::lock_guard lock(mu_);
  return total_;
}

}  // namespace gw::server
