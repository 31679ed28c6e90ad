// SPDX-License-Identifier: Apache-2.0
#pragma once
// A bounded cache of client-certificate chain verifications (docs/benchmarks.md: the
// chain verification was half of the gateway's CPU per device login; a device logs in
// again and again with the same certificate). The key is the SHA-256 of the leaf's DER
// and the trust epoch (one per server context: a new bundle is a new context, so what
// was verified against the old bundle is never reused). The value is the verified
// chain, reused only while every certificate of it is within its validity period.
// Only the chain is cached: the handshake still checks the client's CertificateVerify
// (its proof of possession of the key) every time, and revocation (CRLs, deny lists) is
// checked per request by revocation::trust_peer on the chain this returns.
#include <openssl/x509.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/handles.hpp"

namespace gw::tls {

class ChainCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 16384;
  explicit ChainCache(std::size_t capacity = kDefaultCapacity);

  // The X509_STORE_CTX verification callback's work: X509_verify_cert, or the chain
  // verified before for the same leaf in the same epoch. Returns what X509_verify_cert
  // would (1 = verified), with the verified chain set on `ctx` either way.
  int verify(X509_STORE_CTX* ctx, std::uint64_t epoch);

  // A new epoch for a new server context (a new trust bundle).
  [[nodiscard]] static std::uint64_t next_epoch();
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::uint64_t hits() const;

 private:
  using Digest = std::array<unsigned char, 32>;
  struct DigestHash {
    std::size_t operator()(const Digest& d) const noexcept;
  };
  struct Entry {
    std::vector<pki::X509Ptr> issuers;  // the verified chain after the leaf
    std::time_t not_before = 0;         // the latest notBefore of the chain
    std::time_t not_after = 0;          // the earliest notAfter of the chain
  };

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::uint64_t epoch_ = 0;  // the epoch every entry belongs to
  std::unordered_map<Digest, Entry, DigestHash> entries_;
  std::uint64_t hits_ = 0;
};

// The process's cache, shared by every server context (bounded in total).
[[nodiscard]] ChainCache& chain_cache();

}  // namespace gw::tls
