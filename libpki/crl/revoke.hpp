// SPDX-License-Identifier: Apache-2.0
#pragma once
// Revocation: each operation is one registry transaction with its journal record, so
// a failure (unknown serial, already revoked, busy database) changes nothing.
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/handles.hpp"
#include "crl/reason.hpp"
#include "registry/certs.hpp"

namespace pki::crl {

// Revokes one certificate; `serial` in either case (normalised). Error(data) for an
// invalid, unknown or already revoked serial, and for the root CA's own certificate.
// Returns the record as it now stands.
db::CertRecord revoke_cert(sqlite3* db, std::string_view serial, Reason reason, std::int64_t now);

// Revokes every active certificate (not revoked, not expired) of a device, all or
// none. Error(data) for an invalid device id, one with no certificates, or one with
// no active certificate left.
std::vector<db::CertRecord> revoke_device(sqlite3* db, std::string_view device_id, Reason reason,
                                          std::int64_t now);

// Every revoked certificate, oldest revocation first.
[[nodiscard]] std::vector<db::CertRecord> list_revoked(sqlite3* db);

}  // namespace pki::crl
