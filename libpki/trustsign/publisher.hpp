// SPDX-License-Identifier: Apache-2.0
#pragma once
// The trust-material signature (SPEC §10): `iot-ca export` signs manifest.json with a
// key whose certificate the root issued for exactly that purpose (the `publisher`
// profile), as a detached CMS SignedData in DER (manifest.json.p7s) that
// `openssl cms -verify -binary -inform DER` accepts; the gateway verifies it against
// the roots it pins.
//
// The publisher profile: not a CA (basicConstraints CA:FALSE, critical), keyUsage
// digitalSignature only (critical), extendedKeyUsage exactly id-kp-documentSigning
// (RFC 9336, 1.3.6.1.5.5.7.3.36; critical), issued directly by the root. No device,
// server, admin or issuing CA certificate carries that EKU, so none of them can sign a
// manifest the gateway accepts.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.hpp"
#include "core/handles.hpp"
#include "x509/profile.hpp"

namespace pki::trustsign {

inline constexpr std::string_view kDocumentSigningOid = "1.3.6.1.5.5.7.3.36";

// The publisher certificate for `subject_key`, signed by `root`; its notAfter never
// passes the root's.
[[nodiscard]] X509Ptr make_publisher(const x509::Signer& root, EVP_PKEY* subject_key,
                                     const std::string& cn, const std::string& org,
                                     std::int64_t days);

// "" when `cert` has the publisher profile above, else what is wrong with it.
[[nodiscard]] std::string publisher_problem(X509* cert);

// A detached CMS SignedData over exactly `content` (binary, no MIME canonicalisation),
// SHA-256, one signer, the signer's certificate included. DER.
[[nodiscard]] std::string sign_detached(const x509::Signer& publisher, std::string_view content);

struct VerifiedSignature {
  X509Ptr signer;  // the publisher certificate (own reference)
  X509Ptr anchor;  // the root that issued it (own reference)
};

// Checks `p7s_der` (one DER CMS SignedData, nothing after it, exactly one signer) over
// `content`; the signer's certificate must have the publisher profile and be issued
// directly by one of `anchors` and valid at `now`. Throws Error(data) naming the reason.
// Sans-IO: the gateway's reloader, check-config and fuzz_manifest run it.
[[nodiscard]] VerifiedSignature verify_detached(std::string_view p7s_der, std::string_view content,
                                                const std::vector<X509*>& anchors,
                                                std::int64_t now);

}  // namespace pki::trustsign
