// SPDX-License-Identifier: Apache-2.0
#pragma once
// The libpki/crl tests' helpers on top of the shared fixture (tests/support).
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "crl/builder.hpp"
#include "keys/keys.hpp"
#include "pki_fixture.hpp"
#include "registry/certs.hpp"
#include "registry/registry.hpp"
#include "registry/sqlite.hpp"
#include "x509/pem.hpp"
#include "x509/profile.hpp"

namespace revtest {

using test::make_issuing;
using test::make_root;
using test::ScratchDir;

// A registry row without a real certificate behind it (the CRL needs only the
// serial, issuer and revocation columns).
inline pki::db::CertRecord synthetic(const std::string& serial, const std::string& device,
                                     const std::string& issuer, std::int64_t not_after) {
  pki::db::CertRecord r;
  r.serial = serial;
  r.device_id = device;
  r.profile = "device";
  r.issuer = issuer;
  r.subject = "CN=" + device;
  r.not_before = 1000;
  r.not_after = not_after;
  r.issued_at = 1000;
  r.pem = "-";
  return r;
}

inline pki::X509CrlPtr parse_der(const std::string& der) {
  return test::parse_der_crl(der);
}

inline std::int64_t count(sqlite3* db, const std::string& sql) {
  pki::db::Stmt q(db, sql);
  q.step();
  return q.int64(0);
}

}  // namespace revtest
