// SPDX-License-Identifier: Apache-2.0
#include "crl/issue.hpp"

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "crl/builder.hpp"
#include "crl/reason.hpp"
#include "journal/journal.hpp"
#include "registry/sqlite.hpp"

namespace pki::crl {
namespace {

constexpr std::int64_t kMaxDays = 3650;

std::size_t revoked_count(sqlite3* db, std::string_view ca) {
  db::Stmt q(db, "SELECT count(*) FROM certs WHERE issuer = ?1 AND revoked_at IS NOT NULL");
  q.bind(1, ca);
  q.step();
  return static_cast<std::size_t>(q.int64(0));
}

}  // namespace

std::int64_t next_crl_number(sqlite3* db, std::string_view ca) {
  db::Stmt q(db,
             "INSERT INTO crl_numbers(ca, last) VALUES(?1, 1)"
             " ON CONFLICT(ca) DO UPDATE SET last = last + 1 RETURNING last");
  q.bind(1, ca);
  if (!q.step()) throw Error(Exit::internal, "CRL number allocation returned nothing");
  const std::int64_t n = q.int64(0);
  while (q.step()) {
  }
  return n;
}

std::optional<std::int64_t> last_crl_number(sqlite3* db, std::string_view ca) {
  db::Stmt q(db, "SELECT last FROM crl_numbers WHERE ca = ?1");
  q.bind(1, ca);
  if (!q.step()) return std::nullopt;
  return q.int64(0);
}

IssuedCrl issue_crl(sqlite3* db, const x509::Signer& ca, std::int64_t now, std::int64_t days) {
  if (days < 1 || days > kMaxDays) {
    throw Error(Exit::usage, "CRL validity must be 1 to " + std::to_string(kMaxDays) + " days");
  }
  IssuedCrl out;
  out.ca = ca.name;
  out.number = next_crl_number(db, ca.name);
  out.this_update = now;
  out.next_update = now + days * 86400;

  CrlBuilder builder(ca, {out.number, out.this_update, out.next_update},
                     revoked_count(db, ca.name));
  db::Stmt rows(db,
                "SELECT serial, revoked_at, reason FROM certs"
                " WHERE issuer = ?1 AND revoked_at IS NOT NULL ORDER BY serial");
  rows.bind(1, ca.name);
  while (rows.step()) {
    const std::string serial = rows.text(0);
    const auto reason = rows.text_or_null(2);
    builder.add(serial, rows.int64(1),
                reason ? reason_from_registry(*reason, serial) : Reason::unspecified);
  }
  out.entries = builder.entries();
  out.der = builder.finish();
  out.sha256 = sha256_hex(out.der);
  journal::append(db, "crl",
                  {{"ca", out.ca},
                   {"crl_number", out.number},
                   {"this_update", out.this_update},
                   {"next_update", out.next_update},
                   {"entries", out.entries},
                   {"sha256", out.sha256}});
  return out;
}

}  // namespace pki::crl
