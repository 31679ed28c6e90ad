// SPDX-License-Identifier: Apache-2.0
#pragma once
// The root CA's CRL between ceremonies (issue 11 item 2). The root key stays offline:
// its CRL is signed at a root ceremony (`iot-revoke crl --ca root`, which also keeps a
// copy as HOME/root/crl.pem), carried to the issuing home (`iot-ca import-root-crl`, or
// `iot-ca issuing-import --root-crl`), and `iot-ca export` reuses that copy while it is
// valid instead of signing a new one.
//
// The rule export follows (plan_root_crl):
//   * the kept root CRL is valid (nextUpdate in the future) and lists every revocation
//     the registry holds for the root → reused as it is (same bytes, same CRL Number);
//   * otherwise (missing, expired, or a revocation of an issuing CA not yet in it), when
//     the root key is in the home (a single home) → a fresh root CRL is signed and kept;
//   * otherwise → Error(no_input) naming the ceremony command; a pending revocation
//     without the key is a warning (the kept CRL is still valid), not an error.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ca/home.hpp"
#include "crl/issue.hpp"

namespace pki::workflows {

// The kept root CRL, checked against the root certificate (Error(data) when it is not
// the root's); nullopt when there is none. `der` holds the CRL.
[[nodiscard]] std::optional<crl::IssuedCrl> kept_root_crl(const ca::Home& home);

// One CRL of `root` (PEM or DER), checked as a relying party would (crl::check_crl);
// Error(data) naming `what` otherwise. `der` filled.
[[nodiscard]] crl::IssuedCrl check_root_crl(X509* root, std::string_view bytes,
                                            std::string_view what);

// Replaces HOME/root/crl.pem (PEM, 0644, atomically) with `der`.
void keep_root_crl(const ca::Home& home, std::string_view der);

struct RootCrlPlan {
  bool sign = false;                    // a fresh root CRL must be signed (key present)
  std::optional<crl::IssuedCrl> reuse;  // else: the kept CRL, reused
  std::string why;                      // why a new one is signed ("" when reused)
};

// Error(no_input) when the kept CRL is missing or expired and the root key is absent.
[[nodiscard]] RootCrlPlan plan_root_crl(const ca::Home& home, std::int64_t now);

// Warnings for iot-ca export: the kept root CRL ends within `window` seconds, or the
// registry holds a root revocation it does not list yet. Empty when all is well.
[[nodiscard]] std::vector<std::string> root_crl_warnings(const ca::Home& home, std::int64_t now,
                                                         std::int64_t window);

// iot-ca import-root-crl: checks `bytes` (one CRL, PEM or DER) against the home's root
// certificate (signature, v2, CRL Number, not expired, not older than the kept one —
// Error(data) otherwise, nothing written) and keeps it. Returns what was kept.
crl::IssuedCrl import_root_crl(const ca::Home& home, std::string_view bytes, std::string_view what,
                               std::int64_t now);

// The command to run at the root ceremony, for messages.
[[nodiscard]] std::string root_ceremony_hint();

}  // namespace pki::workflows
