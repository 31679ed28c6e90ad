// SPDX-License-Identifier: Apache-2.0
#include "gateway/jwt/token_cache.hpp"

#include <openssl/sha.h>

#include <cstring>

#include "gateway/audit/audit_log.hpp"

namespace gw::jwt {

TokenCache::TokenCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::size_t TokenCache::DigestHash::operator()(const Digest& d) const noexcept {
  std::size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);  // already uniform: the first bytes of a SHA-256
  return h;
}

Verdict TokenCache::validate(std::string_view token, const std::shared_ptr<const KeySet>& keys,
                             const config::Jwt& cfg, std::int64_t now) {
  if (token.size() > kMaxTokenBytes) return jwt::validate(token, *keys, cfg, now);
  Digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d.data());
  {
    const std::lock_guard lock(mu_);
    if (keys_ == keys) {
      if (const auto it = entries_.find(d); it != entries_.end()) {
        if (now < it->second.claims.exp) {
          ++hits_;
          return it->second;
        }
        entries_.erase(it);
      }
    }
  }
  Verdict v = jwt::validate(token, *keys, cfg, now);
  if (v.ok() && now < v.claims.exp) {
    const std::lock_guard lock(mu_);
    if (keys_ != keys) {  // another key set: what was verified with the old one goes
      entries_.clear();
      keys_ = keys;
    }
    insert_locked(d, v, now);
  }
  return v;
}

void TokenCache::insert_locked(const Digest& d, const Verdict& verdict, std::int64_t now) {
  if (entries_.size() >= capacity_ && now != swept_) {  // one sweep per second at most
    swept_ = now;
    std::erase_if(entries_, [now](const auto& e) { return e.second.claims.exp <= now; });
  }
  // Still full: drop one entry (the table stays bounded; a dropped token is verified
  // again on its next use).
  if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  entries_.insert_or_assign(d, verdict);
}

std::size_t TokenCache::size() const {
  const std::lock_guard lock(mu_);
  return entries_.size();
}

std::uint64_t TokenCache::hits() const {
  const std::lock_guard lock(mu_);
  return hits_;
}

}  // namespace gw::jwt
