// SPDX-License-Identifier: Apache-2.0
#include "gateway/tls/chain_cache.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>

#include "x509/pem.hpp"

namespace gw::tls {

ChainCache::ChainCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::size_t ChainCache::DigestHash::operator()(const Digest& d) const noexcept {
  std::size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

std::uint64_t ChainCache::next_epoch() {
  static std::atomic<std::uint64_t> epoch{0};
  return ++epoch;
}

int ChainCache::verify(X509_STORE_CTX* ctx, std::uint64_t epoch) {
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  Digest d{};
  unsigned int len = 0;
  const bool keyed =
      leaf != nullptr && X509_digest(leaf, EVP_sha256(), d.data(), &len) == 1 && len == d.size();
  const std::time_t now = std::time(nullptr);
  if (keyed) {
    STACK_OF(X509)* chain = nullptr;
    {
      const std::lock_guard lock(mu_);
      const auto it = epoch == epoch_ ? entries_.find(d) : entries_.end();
      if (it != entries_.end() && now >= it->second.not_before && now < it->second.not_after) {
        chain = sk_X509_new_reserve(nullptr, static_cast<int>(it->second.issuers.size() + 1));
        if (chain != nullptr && sk_X509_push(chain, leaf) > 0) {
          X509_up_ref(leaf);
          for (const auto& c : it->second.issuers) {
            X509_up_ref(c.get());
            sk_X509_push(chain, c.get());
          }
          ++hits_;
        } else if (chain != nullptr) {
          sk_X509_free(chain);
          chain = nullptr;
        }
      }
    }
    if (chain != nullptr) {
      X509_STORE_CTX_set0_verified_chain(ctx, chain);  // ctx owns it now
      X509_STORE_CTX_set_error(ctx, X509_V_OK);
      return 1;
    }
  }
  const int ok = X509_verify_cert(ctx);
  if (ok != 1 || !keyed || X509_STORE_CTX_get_error(ctx) != X509_V_OK) return ok;
  STACK_OF(X509)* verified = X509_STORE_CTX_get0_chain(ctx);
  if (verified == nullptr || sk_X509_num(verified) < 1) return ok;
  Entry e;
  e.not_after = std::numeric_limits<std::time_t>::max();
  for (int i = 0; i < sk_X509_num(verified); ++i) {
    X509* c = sk_X509_value(verified, i);
    try {
      e.not_before =
          std::max<std::time_t>(e.not_before, pki::x509::to_unix(X509_get0_notBefore(c)));
      e.not_after = std::min<std::time_t>(e.not_after, pki::x509::to_unix(X509_get0_notAfter(c)));
    } catch (const std::exception&) {
      return ok;  // a time we cannot read: verified this once, never remembered
    }
    if (i == 0) continue;
    X509_up_ref(c);
    e.issuers.emplace_back(c);
  }
  const std::lock_guard lock(mu_);
  if (epoch > epoch_) {  // a newer bundle: what the older ones verified goes
    entries_.clear();
    epoch_ = epoch;
  }
  if (epoch != epoch_) return ok;  // a connection on an older context: not remembered
  if (entries_.size() >= capacity_ && entries_.find(d) == entries_.end()) {
    entries_.erase(entries_.begin());  // bounded; a dropped leaf is verified again
  }
  entries_.insert_or_assign(d, std::move(e));
  return ok;
}

std::size_t ChainCache::size() const {
  const std::lock_guard lock(mu_);
  return entries_.size();
}

std::uint64_t ChainCache::hits() const {
  const std::lock_guard lock(mu_);
  return hits_;
}

ChainCache& chain_cache() {
  static ChainCache cache;
  return cache;
}

}  // namespace gw::tls
