// SPDX-License-Identifier: Apache-2.0
#pragma once
// A CA's CRL from the registry: CRL Number allocation and the streaming build.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/handles.hpp"
#include "x509/profile.hpp"

namespace pki::crl {

// Takes the next CRL Number of `ca` (inside the caller's WriteTxn). Numbers are
// strictly increasing per CA; once the transaction commits the number is spent, so
// a crash after the commit leaves a gap, never a repeat (RFC 5280 §5.2.3).
[[nodiscard]] std::int64_t next_crl_number(sqlite3* db, std::string_view ca);
// The last number handed out for `ca`, if any.
[[nodiscard]] std::optional<std::int64_t> last_crl_number(sqlite3* db, std::string_view ca);

struct IssuedCrl {
  std::string ca;  // "root" or the issuing CA's name
  std::string der;
  std::int64_t number = 0;
  std::int64_t this_update = 0;
  std::int64_t next_update = 0;
  std::size_t entries = 0;
  std::string sha256;  // of the DER, lowercase hex
};

// Builds the CRL of `ca` from every certificate the registry records as issued by it
// and revoked: allocates its number, streams the rows (ordered by serial, through the
// certs_revoked partial index), signs, and journals "crl". Runs inside the caller's
// WriteTxn, which must commit before the CRL is written anywhere.
[[nodiscard]] IssuedCrl issue_crl(sqlite3* db, const x509::Signer& ca, std::int64_t now,
                                  std::int64_t days);

}  // namespace pki::crl
