// SPDX-License-Identifier: Apache-2.0
#pragma once
// A CRL never silently drops a serial an earlier CRL of its CA listed: before a new CRL
// is signed, what it lists is compared with the CA's previous CRL (its "crl" journal
// record: entry count and serials digest) plus the revocations of that CA recorded
// since. A revocation undone by a direct change to the registry (UPDATE certs SET
// revoked_at = NULL …) is then refused instead of published. Cost: a backwards scan of
// the journal to the CA's last crl record and the revoke records after it.
#include <cstdint>
#include <string_view>

#include "journal/digest.hpp"
#include "store/store.hpp"

namespace pki::journal {

// Call inside the transaction that signs the CRL, before its crl record is appended.
// `listed`: the serials the new CRL lists (its count is the entry count).
// Error(data) naming the CA, the previous CRL Number and what is missing when fewer
// entries are listed than the previous CRL and the revocations since, or as many but
// not the same set. More entries than that (revoked outside iot-revoke) pass here;
// `iot-ca journal verify` names them.
void require_no_dropped_revocation(store::Store& db, std::string_view ca,
                                   const SerialDigest& listed);

}  // namespace pki::journal
