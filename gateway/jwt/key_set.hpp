// SPDX-License-Identifier: Apache-2.0
#pragma once
// The JWT signing keys: one `<kid>.key` file (PKCS#8 PEM, 0600) per key in keys_dir.
// The newest file signs; every loaded key validates (rotation window). A `kid` from a
// token is only ever looked up in this map, never turned into a path (SP-2).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/handles.hpp"

namespace gw::jwt {

struct SigningKey {
  std::string kid;  // RFC 7638 thumbprint
  pki::PkeyPtr key;
  std::int64_t mtime_ns = 0;
};

class KeySet {
 public:
  // Loads every *.key file. Throws pki::Error(config) on a group/world-accessible file,
  // a key that is not P-256, a file name that is not its kid, or an empty directory.
  [[nodiscard]] static std::shared_ptr<const KeySet> load(const std::filesystem::path& dir);
  // For tests and fuzzing: a set from keys already in memory; the first signs.
  [[nodiscard]] static std::shared_ptr<const KeySet> from_keys(std::vector<pki::PkeyPtr> keys);

  [[nodiscard]] const SigningKey& signer() const { return *signer_; }
  [[nodiscard]] const SigningKey* find(std::string_view kid) const;
  [[nodiscard]] nlohmann::json jwks() const;  // {"keys":[…]} with use, alg, kid
  [[nodiscard]] std::size_t size() const { return keys_.size(); }
  // Every key, by kid (for the metrics' expiry gauges).
  [[nodiscard]] std::vector<const SigningKey*> all() const {
    std::vector<const SigningKey*> out;
    for (const auto& [kid, k] : keys_) out.push_back(k.get());
    return out;
  }

 private:
  std::map<std::string, std::shared_ptr<SigningKey>, std::less<>> keys_;
  std::shared_ptr<SigningKey> signer_;
};

// Creates a new P-256 key in dir (made 0700 if missing) as <kid>.key, mode 0600.
// Returns the kid.
std::string create_key(const std::filesystem::path& dir);

}  // namespace gw::jwt
