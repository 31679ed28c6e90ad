// SPDX-License-Identifier: Apache-2.0
#pragma once
// A CA's CRL from the registry: its CRL Number and the streaming build.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"
#include "x509/profile.hpp"

namespace pki::crl {

// CRL Numbers are strictly increasing per CA (store::Store::next_crl_number); once the
// transaction commits the number is spent, so a crash after the commit leaves a gap,
// never a repeat (RFC 5280 §5.2.3).

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
// and revoked: allocates its number, streams the entries (ordered by serial), signs, and
// journals "crl". Runs inside the caller's store transaction, which must commit before
// the CRL is written anywhere (workflows/publish.hpp does both).
[[nodiscard]] IssuedCrl issue_crl(store::Store& db, const x509::Signer& ca, std::int64_t now,
                                  std::int64_t days);

}  // namespace pki::crl
