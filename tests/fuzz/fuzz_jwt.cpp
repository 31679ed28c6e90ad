// SPDX-License-Identifier: Apache-2.0
// Fuzzes the gateway's JWT validation (gw::jwt::validate) and the JOSE/DER signature
// conversions with arbitrary bytes as the bearer token.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/jwt/jose.hpp"
#include "gateway/jwt/token.hpp"

namespace {

const gw::jwt::KeySet& keys() {
  static const auto set = [] {
    std::vector<pki::PkeyPtr> k;
    k.emplace_back(EVP_EC_gen("P-256"));
    return gw::jwt::KeySet::from_keys(std::move(k));
  }();
  return *set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  static const gw::config::Jwt cfg;
  const auto v = gw::jwt::validate(token, keys(), cfg, 1'800'000'000);
  if (v.ok()) __builtin_trap();  // no key of ours signed the input
  const std::span<const unsigned char> bytes(data, size);
  if (const auto jose = gw::jwt::der_to_jose(bytes)) {
    if (jose->size() != gw::jwt::kEs256SigSize) __builtin_trap();
  }
  (void)gw::jwt::jose_to_der(bytes);
  return 0;
}
