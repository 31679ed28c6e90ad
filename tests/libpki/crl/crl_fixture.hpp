// SPDX-License-Identifier: Apache-2.0
#pragma once
// The libpki/crl tests' helpers on top of the shared fixture (tests/support).
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "crl/builder.hpp"
#include "keys/keys.hpp"
#include "pki_fixture.hpp"
#include "store/store.hpp"
#include "store/store_fixture.hpp"
#include "x509/pem.hpp"
#include "x509/profile.hpp"

namespace revtest {

using test::make_issuing;
using test::make_root;
using test::ScratchDir;

// A registry row without a real certificate behind it (the CRL needs only the
// serial, issuer and revocation columns).
inline pki::store::CertRecord synthetic(const std::string& serial, const std::string& device,
                                        const std::string& issuer, std::int64_t not_after) {
  pki::store::CertRecord r;
  r.serial = serial;
  r.device_id = device;
  r.profile = "device";
  r.issuer = issuer;
  r.subject = "CN=" + device;
  r.not_before = 1000;
  r.not_after = not_after;
  r.issued_at = 1000;
  r.pem = test::fake_cert_pem();
  return r;
}

inline pki::X509CrlPtr parse_der(const std::string& der) {
  return test::parse_der_crl(der);
}

}  // namespace revtest
