// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one trust decision (issue 9 item 5, issue 10): "is this peer trusted now?", for
// /auth/token, /api/* and /admin/* alike. Every certificate of the verified chain is
// checked against its issuer's CRL and against the admin deny list; a token's serial
// against every CRL and the deny list; and nothing is trusted while the CRLs are stale.
// Routes map the verdict to a status and an audit event through one table
// (server/trust_policy), never by comparing strings.
#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/admin/deny_lists.hpp"
#include "gateway/revocation/trust.hpp"

namespace gw::revocation {

enum class Verdict {
  good,
  revoked,     // a CRL lists a certificate of the chain, or the token's serial
  denied,      // the admin deny list holds a certificate of the chain, or the token's serial
  stale,       // a CRL the chain needs is past its nextUpdate + crl_grace (fail closed)
  no_crl,      // an issuer of the chain has no CRL in the trust set (fail closed)
  not_logged,  // trust.require_logged: the leaf is not in the transparency log
};

struct Decision {
  Verdict verdict = Verdict::good;
  std::string serial;  // the certificate the verdict is about, when one is
  std::string reason;  // for the audit record
  [[nodiscard]] bool trusted() const { return verdict == Verdict::good; }
};

// What the client presented: a verified chain (leaf first, anchor last; may be null)
// and/or the serial a token names (empty when there is no token).
struct Presented {
  STACK_OF(X509) * chain = nullptr;
  std::string_view token_serial;
};

// The first reason not to trust, in this order: each certificate of the chain from the
// leaf up (its issuer's CRL stale — each CRL on its own nextUpdate + grace —, listing
// it, or missing; then the deny list; the self-signed anchor has no CRL but can be
// denied), then the token's serial (without a chain: any stale CRL refuses). Never throws.
[[nodiscard]] Decision trust_peer(const RevocationSet& crls, const admin::DenyLists& deny,
                                  const Presented& presented, std::int64_t now,
                                  std::int64_t grace) noexcept;

// trust.require_logged (issue 12): the leaf of a verified chain must be in the trust
// set's transparency log (its leaf hash, SHA-256(0x00 ‖ DER), among the exported
// leaves); without a log nothing is logged (the reloader refuses such a set, so this
// only fails closed). Checked per request next to the CRLs (server/trust_policy
// decide), on the chain the handshake verified — a chain_cache hit changes nothing.
// Never throws.
[[nodiscard]] Decision check_logged(const LogSet* log, STACK_OF(X509) * chain) noexcept;

// True once some CRL is past its own nextUpdate plus the grace period (readiness).
[[nodiscard]] bool stale(const RevocationSet& crls, std::int64_t now, std::int64_t grace);
// The issuers (RFC 2253 one line) of every CRL past its nextUpdate + grace.
[[nodiscard]] std::vector<std::string> stale_crls(const RevocationSet& crls, std::int64_t now,
                                                  std::int64_t grace);

}  // namespace gw::revocation
