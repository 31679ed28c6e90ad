// SPDX-License-Identifier: Apache-2.0
#pragma once
// Everything a reload replaces, published as one immutable snapshot. Readers copy the
// shared_ptr under a short lock and then work without one; a reload builds the next
// snapshot off to the side and swaps it in, so open connections are never dropped.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>

#include "gateway/jwt/key_set.hpp"
#include "gateway/revocation/trust.hpp"

namespace gw::server {

struct Snapshot {
  std::shared_ptr<const revocation::Bundle> bundle;
  std::shared_ptr<const revocation::RevocationSet> crls;
  std::shared_ptr<const revocation::LogSet> log;  // null: the trust set carries no log
  std::shared_ptr<const jwt::KeySet> keys;
  std::shared_ptr<boost::asio::ssl::context> tls;
};

class State {
 public:
  [[nodiscard]] std::shared_ptr<const Snapshot> get() const {
    const std::lock_guard lock(mu_);
    return snap_;
  }
  void set(std::shared_ptr<const Snapshot> s) {
    const std::lock_guard lock(mu_);
    snap_ = std::move(s);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> snap_;
};

}  // namespace gw::server
