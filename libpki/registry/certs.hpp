// SPDX-License-Identifier: Apache-2.0
#pragma once
// The certificates table: every certificate the CA issued, and its revocation.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/handles.hpp"

namespace pki::db {

struct CertRecord {
  std::string serial;     // uppercase hex
  std::string device_id;  // CN ("" for CAs)
  std::string profile;    // root | issuing | device | server | admin
  std::string issuer;     // CA name
  std::string subject;
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
  std::int64_t issued_at = 0;
  std::string pem;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::string> reason;

  // active | revoked | expired, at time `now`.
  [[nodiscard]] std::string status(std::int64_t now) const;
};

// Inserts one record (inside the caller's transaction). A duplicate serial is Error(internal).
void insert_cert(sqlite3* db, const CertRecord& rec);
// Builds the record for a certificate (serial, subject, validity, PEM) issued by `issuer`.
[[nodiscard]] CertRecord record_for(X509* cert, std::string_view profile, std::string_view issuer);

[[nodiscard]] std::optional<CertRecord> find_cert(sqlite3* db, std::string_view serial);
// status: "" for all, else active | revoked | expired.
[[nodiscard]] std::vector<CertRecord> list_certs(sqlite3* db, std::string_view status,
                                                 std::int64_t now);
[[nodiscard]] std::vector<CertRecord> certs_of_device(sqlite3* db, std::string_view device_id);

// Marks one certificate revoked (inside the caller's transaction). Error(data) when the
// serial is unknown or already revoked, naming which.
void mark_revoked(sqlite3* db, std::string_view serial, std::string_view reason, std::int64_t now);

}  // namespace pki::db
