#pragma once
// Revocation of every certificate in a verified chain (leaf, issuing CAs), each against
// its issuer's CRL. The trust anchor itself has no issuer to revoke it.
#include <openssl/x509.h>

#include <cstdint>
#include <string>

#include "gateway/revocation/trust.hpp"

namespace gw::revocation {

struct ChainResult {
  RevocationSet::Status status = RevocationSet::Status::good;
  std::string reason;  // which certificate, for the audit record
};

[[nodiscard]] ChainResult check_chain(const RevocationSet& crls, STACK_OF(X509) * chain);

// True once now is past the earliest nextUpdate plus the grace period (fail closed).
[[nodiscard]] bool stale(const RevocationSet& crls, std::int64_t now, std::int64_t grace);

}  // namespace gw::revocation
