// SPDX-License-Identifier: Apache-2.0
#pragma once
// A registry for unit tests: the SQLite store::Store in a scratch directory, with a
// back door for the raw SQL that tests use to look at or tamper with the file.
#include <filesystem>
#include <memory>
#include <string>

#include "pki_fixture.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace test {

// Opens (creating when `create`) the SQLite store at `path`.
inline std::unique_ptr<pki::store::sqlite::SqliteStore> open_sqlite(
    const std::filesystem::path& path, bool create = true) {
  return std::make_unique<pki::store::sqlite::SqliteStore>(
      pki::store::sqlite::open_db(path, create));
}

// SQL that returns no rows, run directly on the file (outside the store's transactions).
inline void sql_exec(pki::store::sqlite::SqliteStore& s, const std::string& sql) {
  pki::store::sqlite::exec(s.handle(), sql);
}

// The first column of the first row of `sql` (a count).
inline std::int64_t sql_count(pki::store::sqlite::SqliteStore& s, const std::string& sql) {
  pki::store::sqlite::Stmt q(s.handle(), sql);
  q.step();
  return q.int64(0);
}

// A PEM CERTIFICATE block of `bytes` bytes (not a certificate: the store logs the DER
// of a record's PEM without parsing it), for rows that only need a well-formed one.
inline std::string fake_cert_pem(std::size_t bytes = 3, char fill = 'A') {
  std::string b64(((bytes + 2) / 3) * 4, fill);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END CERTIFICATE-----\n";
}

}  // namespace test
