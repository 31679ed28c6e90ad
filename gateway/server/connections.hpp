#pragma once
// Open connections: counted in total and per client address (caps of [server]), and
// reachable for draining. Sessions register on accept and leave in their destructor.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

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

  // Reserves a slot for the address; false when a cap is reached.
  [[nodiscard]] bool admit(const std::string& ip);
  // Tracks the session that holds the slot; returns its id for leave().
  std::uint64_t attach(std::weak_ptr<Drainable> s);
  void leave(std::uint64_t id, const std::string& ip);
  void release(const std::string& ip);  // a slot whose session never started
  void drain_all();
  [[nodiscard]] std::size_t active() const;

 private:
  const std::uint64_t max_total_;
  const std::uint64_t max_per_ip_;
  mutable std::mutex mu_;
  std::uint64_t total_ = 0;
  std::uint64_t next_id_ = 1;
  std::map<std::string, std::uint64_t> per_ip_;
  std::map<std::uint64_t, std::weak_ptr<Drainable>> sessions_;
};

}  // namespace gw::server
