// SPDX-License-Identifier: Apache-2.0
#pragma once
// Open connections: counted in total and per client (caps of [server]), and reachable
// for draining and for bans. A client is what the ban list and the token buckets key on
// (gw::limits::client_key): an IPv4 address, or an IPv6 /64, so one host cannot spread
// its connections over the addresses of its prefix. Sessions register on accept and
// leave in their destructor.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gateway/limits/client_key.hpp"

namespace gw::server {

class Drainable {
 public:
  virtual ~Drainable() = default;
  // Called from any thread; closes the connection once it is between requests.
  virtual void drain() = 0;
};

class Connections {
 public:
  Connections(std::uint64_t max_total, std::uint64_t max_per_ip)
      : max_total_(max_total), max_per_ip_(max_per_ip) {}

  // Reserves a slot for the address's client; false when a cap is reached.
  [[nodiscard]] bool admit(const std::string& ip);
  // Tracks the session that holds the address's slot; returns its id for leave().
  std::uint64_t attach(std::weak_ptr<Drainable> s, const std::string& ip);
  void leave(std::uint64_t id, const std::string& ip);
  void release(const std::string& ip);  // a slot whose session never started
  void drain_all();
  // Drains every open connection of the client (a ban has just started for it).
  void close_client(const limits::ClientKey& key);
  [[nodiscard]] std::size_t active() const;
  // Connections open for the address's client.
  [[nodiscard]] std::uint64_t count(const std::string& ip) const;

 private:
  struct Entry {
    std::weak_ptr<Drainable> session;
    limits::ClientKey key;
  };
  void drain(const limits::ClientKey* only);

  const std::uint64_t max_total_;
  const std::uint64_t max_per_ip_;
  mutable std::mutex mu_;
  std::uint64_t total_ = 0;
  std::uint64_t next_id_ = 1;
  // Holds only clients with an open connection, so it is bounded by max_connections.
  std::unordered_map<limits::ClientKey, std::uint64_t, limits::ClientKeyHash> per_client_;
  std::map<std::uint64_t, Entry> sessions_;
};

}  // namespace gw::server
