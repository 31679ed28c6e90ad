// SPDX-License-Identifier: Apache-2.0
#include "crl/revoke.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "journal/journal.hpp"
#include "registry/sqlite.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::crl {
namespace {

void record_revocation(sqlite3* db, const db::CertRecord& rec, Reason reason,
                       std::string_view scope) {
  journal::append(db, "revoke",
                  {{"serial", rec.serial},
                   {"device_id", rec.device_id},
                   {"profile", rec.profile},
                   {"issuer", rec.issuer},
                   {"reason", reason_name(reason)},
                   {"scope", scope}});
}

db::CertRecord revoked_copy(db::CertRecord rec, Reason reason, std::int64_t now) {
  rec.revoked_at = now;
  rec.reason = reason_name(reason);
  return rec;
}

}  // namespace

db::CertRecord revoke_cert(sqlite3* db, std::string_view serial_text, Reason reason,
                           std::int64_t now) {
  const std::string serial = x509::normalize_serial(serial_text);
  db::WriteTxn txn(db);
  const auto rec = db::find_cert(db, serial);
  if (!rec) throw Error(Exit::data, "unknown serial " + serial + " (see 'iot-ca list')");
  if (rec->profile == "root") {
    throw Error(Exit::data, "serial " + serial +
                                " is the root CA's own certificate; a CRL cannot revoke it"
                                " (remove it from the relying parties' trust stores instead)");
  }
  db::mark_revoked(db, serial, reason_name(reason), now);  // Error(data) if already revoked
  const db::CertRecord done = revoked_copy(*rec, reason, now);
  record_revocation(db, done, reason, "cert");
  txn.commit();
  return done;
}

std::vector<db::CertRecord> revoke_device(sqlite3* db, std::string_view device_id, Reason reason,
                                          std::int64_t now) {
  if (!x509::is_valid_device_id(device_id)) {
    throw Error(Exit::data, "invalid device id (expected [A-Za-z0-9][A-Za-z0-9._-]{0,63})");
  }
  const std::string id(device_id);
  db::WriteTxn txn(db);
  const auto certs = db::certs_of_device(db, id);
  if (certs.empty()) {
    throw Error(Exit::data, "unknown device '" + id + "': no certificate was issued to it");
  }
  std::vector<db::CertRecord> done;
  for (const auto& rec : certs) {
    if (rec.status(now) != "active") continue;
    db::mark_revoked(db, rec.serial, reason_name(reason), now);
    done.push_back(revoked_copy(rec, reason, now));
    record_revocation(db, done.back(), reason, "device");
  }
  if (done.empty()) {
    throw Error(Exit::data, "device '" + id + "' has no active certificate (its " +
                                std::to_string(certs.size()) +
                                " certificate(s) are already revoked or expired)");
  }
  txn.commit();
  return done;
}

std::vector<db::CertRecord> list_revoked(sqlite3* db) {
  auto out = db::list_certs(db, "revoked", 0);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.revoked_at < b.revoked_at; });
  return out;
}

}  // namespace pki::crl
