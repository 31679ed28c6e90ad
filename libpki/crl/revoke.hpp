// SPDX-License-Identifier: Apache-2.0
#pragma once
// Revocation: each operation is one store transaction with its journal record, so
// a failure (unknown serial, already revoked, busy database) changes nothing.
#include <cstdint>
#include <string_view>
#include <vector>

#include "crl/reason.hpp"
#include "store/store.hpp"

namespace pki::crl {

// Revokes one certificate; `serial` in either case (normalised). Error(data) for an
// invalid, unknown or already revoked serial, and for the root CA's own certificate.
// Returns the record as it now stands.
store::CertRecord revoke_cert(store::Store& db, std::string_view serial, Reason reason,
                              std::int64_t now);

// Revokes every active certificate (not revoked, not expired) of a device, all or
// none. Error(data) for an invalid device id, one with no certificates, or one with
// no active certificate left.
std::vector<store::CertRecord> revoke_device(store::Store& db, std::string_view device_id,
                                             Reason reason, std::int64_t now);

// Every revoked certificate, oldest revocation first.
[[nodiscard]] std::vector<store::CertRecord> list_revoked(store::Store& db);

}  // namespace pki::crl
