// SPDX-License-Identifier: Apache-2.0
#pragma once
// A string for secrets (passphrases, tokens): wiped with sodium_memzero when it dies,
// so a later core dump or heap reuse does not reveal it.
#include <sodium.h>

#include <string>
#include <string_view>

namespace pki {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& o) noexcept : value_(std::move(o.value_)) { o.wipe(); }
  Secret& operator=(Secret&& o) noexcept {
    if (this != &o) {
      wipe();
      value_ = std::move(o.value_);
      o.wipe();
    }
    return *this;
  }
  ~Secret() { wipe(); }

  [[nodiscard]] std::string_view view() const noexcept { return value_; }
  [[nodiscard]] const char* c_str() const noexcept { return value_.c_str(); }
  [[nodiscard]] std::size_t size() const noexcept { return value_.size(); }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  // Mutable access for readers that fill it in place (keeps one buffer to wipe).
  std::string& buffer() noexcept { return value_; }

  void wipe() noexcept {
    // Wipe the whole capacity: a shorter string may have left bytes behind.
    if (value_.capacity() > 0) ::sodium_memzero(value_.data(), value_.capacity());
    value_.clear();
  }

 private:
  std::string value_;
};

}  // namespace pki
