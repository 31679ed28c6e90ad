// SPDX-License-Identifier: Apache-2.0
#pragma once
// A bounded cache of verified access tokens (docs/benchmarks.md: on the keep-alive API
// path, ~40 % of the gateway's CPU was the ES256 verification of a token it had already
// verified on the same connection). The key is the SHA-256 of the token's bytes; the
// value the claims jwt::validate returned with JWT_OK. An entry answers only while
// `now < exp` and only for the key set it was verified with (a reload that changes the
// key set empties the cache). What can change while a token is valid is NOT cached:
// revocation of its serial, the admin deny lists and the certificate binding are checked
// by the route on every request, on the claims this returns.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "gateway/jwt/token.hpp"

namespace gw::jwt {

class TokenCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 8192;
  explicit TokenCache(std::size_t capacity = kDefaultCapacity);

  // jwt::validate, answered from the cache for a token verified before with `keys` and
  // not expired at `now`; a JWT_OK verdict from jwt::validate is remembered.
  [[nodiscard]] Verdict validate(std::string_view token, const std::shared_ptr<const KeySet>& keys,
                                 const config::Jwt& cfg, std::int64_t now);

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::uint64_t hits() const;

 private:
  using Digest = std::array<unsigned char, 32>;
  struct DigestHash {
    std::size_t operator()(const Digest& d) const noexcept;
  };
  void insert_locked(const Digest& d, const Verdict& verdict, std::int64_t now);

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::shared_ptr<const KeySet> keys_;  // the set every entry was verified with
  std::unordered_map<Digest, Verdict, DigestHash> entries_;  // JWT_OK verdicts, reason ""
  std::uint64_t hits_ = 0;
  std::int64_t swept_ = 0;  // when expired entries were last swept
};

}  // namespace gw::jwt
