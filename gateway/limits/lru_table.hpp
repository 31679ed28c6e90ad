// SPDX-License-Identifier: Apache-2.0
#pragma once
// A map with a fixed capacity that evicts the least recently used entry, so an attacker
// with many addresses cannot grow the gateway's memory (SPEC §5, table_size).
// Not thread-safe: the owners below lock around it.
#include <cstddef>
#include <list>
#include <unordered_map>
#include <utility>

#include "gateway/limits/client_key.hpp"

namespace gw::limits {

template <class Value>
class LruTable {
 public:
  explicit LruTable(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
    index_.reserve(capacity_);
  }

  // The entry for `key`, created with `init` when absent (evicting the oldest when full).
  template <class Init>
  Value& touch(const ClientKey& key, Init&& init) {
    if (const auto it = index_.find(key); it != index_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      return it->second->second;
    }
    if (index_.size() >= capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
      ++evictions_;
    }
    order_.emplace_front(key, init());
    index_.emplace(key, order_.begin());
    return order_.front().second;
  }

  [[nodiscard]] Value* find(const ClientKey& key) {
    const auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->second;
  }

  void erase(const ClientKey& key) {
    if (const auto it = index_.find(key); it != index_.end()) {
      order_.erase(it->second);
      index_.erase(it);
    }
  }

  // Calls f(key, value) for each entry; f returns true to drop it.
  template <class F>
  void sweep(F&& f) {
    for (auto it = order_.begin(); it != order_.end();) {
      if (f(it->first, it->second)) {
        index_.erase(it->first);
        it = order_.erase(it);
      } else {
        ++it;
      }
    }
  }

  [[nodiscard]] std::size_t size() const { return index_.size(); }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  [[nodiscard]] std::size_t evictions() const { return evictions_; }

 private:
  using Entry = std::pair<ClientKey, Value>;
  std::size_t capacity_;
  std::size_t evictions_ = 0;
  std::list<Entry> order_;
  std::unordered_map<ClientKey, typename std::list<Entry>::iterator, ClientKeyHash> index_;
};

}  // namespace gw::limits
