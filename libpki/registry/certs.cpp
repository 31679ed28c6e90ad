// SPDX-License-Identifier: Apache-2.0
#include "registry/certs.hpp"

#include "core/error.hpp"
#include "registry/sqlite.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::db {
namespace {

constexpr std::string_view kColumns =
    "serial, device_id, profile, issuer, subject, not_before, not_after, issued_at, pem, "
    "revoked_at, reason";

CertRecord read_row(const Stmt& q) {
  CertRecord r;
  r.serial = q.text(0);
  r.device_id = q.text(1);
  r.profile = q.text(2);
  r.issuer = q.text(3);
  r.subject = q.text(4);
  r.not_before = q.int64(5);
  r.not_after = q.int64(6);
  r.issued_at = q.int64(7);
  r.pem = q.text(8);
  r.revoked_at = q.int64_or_null(9);
  r.reason = q.text_or_null(10);
  return r;
}

std::vector<CertRecord> read_all(Stmt& q) {
  std::vector<CertRecord> out;
  while (q.step()) out.push_back(read_row(q));
  return out;
}

}  // namespace

std::string CertRecord::status(std::int64_t now) const {
  if (revoked_at) return "revoked";
  if (not_after < now) return "expired";
  return "active";
}

void insert_cert(sqlite3* db, const CertRecord& r) {
  Stmt(db, "INSERT INTO certs(" + std::string(kColumns) +
               ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)")
      .bind(1, r.serial)
      .bind(2, r.device_id)
      .bind(3, r.profile)
      .bind(4, r.issuer)
      .bind(5, r.subject)
      .bind(6, r.not_before)
      .bind(7, r.not_after)
      .bind(8, r.issued_at)
      .bind(9, r.pem)
      .bind_opt(10, r.revoked_at)
      .bind_opt(11, r.reason)
      .step();
}

CertRecord record_for(X509* cert, std::string_view profile, std::string_view issuer) {
  CertRecord r;
  r.serial = x509::serial_hex(cert);
  r.device_id = x509::common_name(::X509_get_subject_name(cert));
  r.profile = profile;
  r.issuer = issuer;
  r.subject = x509::one_line(::X509_get_subject_name(cert));
  r.not_before = x509::to_unix(::X509_get0_notBefore(cert));
  r.not_after = x509::to_unix(::X509_get0_notAfter(cert));
  r.issued_at = static_cast<std::int64_t>(::time(nullptr));
  r.pem = x509::to_pem(cert);
  return r;
}

std::optional<CertRecord> find_cert(sqlite3* db, std::string_view serial) {
  Stmt q(db, "SELECT " + std::string(kColumns) + " FROM certs WHERE serial = ?1");
  q.bind(1, serial);
  if (!q.step()) return std::nullopt;
  return read_row(q);
}

std::vector<CertRecord> list_certs(sqlite3* db, std::string_view status, std::int64_t now) {
  std::string sql = "SELECT " + std::string(kColumns) + " FROM certs";
  if (status == "active") {
    sql += " WHERE revoked_at IS NULL AND not_after >= ?1";
  } else if (status == "revoked") {
    sql += " WHERE revoked_at IS NOT NULL AND ?1 = ?1";
  } else if (status == "expired") {
    sql += " WHERE revoked_at IS NULL AND not_after < ?1";
  } else if (!status.empty()) {
    throw Error(Exit::usage,
                "unknown status '" + std::string(status) + "' (use active, revoked or expired)");
  }
  sql += " ORDER BY issued_at, serial";
  Stmt q(db, sql);
  if (!status.empty()) q.bind(1, now);
  return read_all(q);
}

std::vector<CertRecord> certs_of_device(sqlite3* db, std::string_view device_id) {
  Stmt q(db, "SELECT " + std::string(kColumns) +
                 " FROM certs WHERE device_id = ?1 AND profile IN ('device','admin','server')"
                 " ORDER BY issued_at, serial");
  q.bind(1, device_id);
  return read_all(q);
}

void mark_revoked(sqlite3* db, std::string_view serial, std::string_view reason, std::int64_t now) {
  const auto rec = find_cert(db, serial);
  if (!rec)
    throw Error(Exit::data, "unknown serial " + std::string(serial) + " (see 'iot-ca list')");
  if (rec->revoked_at) {
    throw Error(Exit::data, "serial " + std::string(serial) + " is already revoked (" +
                                rec->reason.value_or("unspecified") + ")");
  }
  Stmt(db, "UPDATE certs SET revoked_at = ?2, reason = ?3 WHERE serial = ?1 AND revoked_at IS NULL")
      .bind(1, serial)
      .bind(2, now)
      .bind(3, reason)
      .step();
}

}  // namespace pki::db
