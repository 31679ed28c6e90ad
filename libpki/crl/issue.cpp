// SPDX-License-Identifier: Apache-2.0
#include "crl/issue.hpp"

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "crl/builder.hpp"
#include "crl/reason.hpp"
#include "journal/crl_guard.hpp"
#include "journal/digest.hpp"
#include "journal/journal.hpp"

namespace pki::crl {

constexpr std::int64_t kMaxDays = 3650;

IssuedCrl issue_crl(store::Store& db, const x509::Signer& ca, std::int64_t now, std::int64_t days) {
  if (days < 1 || days > kMaxDays) {
    throw Error(Exit::usage, "CRL validity must be 1 to " + std::to_string(kMaxDays) + " days");
  }
  IssuedCrl out;
  out.ca = ca.name;
  out.number = db.next_crl_number(ca.name);
  out.this_update = now;
  out.next_update = now + days * 86400;

  CrlBuilder builder(ca, {out.number, out.this_update, out.next_update}, db.revoked_count(ca.name));
  journal::SerialDigest listed;  // the journal's view of this set (journal/crl_guard.hpp)
  db.for_each_revoked(ca.name, [&](const store::RevokedEntry& e) {
    builder.add(e.serial, e.revoked_at,
                e.reason ? reason_from_registry(*e.reason, e.serial) : Reason::unspecified);
    listed.add(e.serial);
  });
  journal::require_no_dropped_revocation(db, ca.name, listed);
  out.entries = builder.entries();
  out.der = builder.finish();
  out.sha256 = sha256_hex(out.der);
  journal::append(db, "crl",
                  {{"ca", out.ca},
                   {"crl_number", out.number},
                   {"this_update", out.this_update},
                   {"next_update", out.next_update},
                   {"entries", out.entries},
                   {"sha256", out.sha256},
                   {"serials_sum", listed.hex()}});
  return out;
}

}  // namespace pki::crl
