// SPDX-License-Identifier: Apache-2.0
#include "crl/revoke.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "journal/journal.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace pki::crl {
namespace {

void record_revocation(store::Store& db, const store::CertRecord& rec, Reason reason,
                       std::string_view scope) {
  journal::append(db, "revoke",
                  {{"serial", rec.serial},
                   {"device_id", rec.device_id},
                   {"profile", rec.profile},
                   {"issuer", rec.issuer},
                   {"reason", reason_name(reason)},
                   {"revoked_at", rec.revoked_at.value_or(0)},
                   {"scope", scope}});
}

store::CertRecord revoked_copy(store::CertRecord rec, Reason reason, std::int64_t now) {
  rec.revoked_at = now;
  rec.reason = reason_name(reason);
  return rec;
}

// Error(data) naming why `rec` (current, read in this transaction) cannot be revoked.
void mark(store::Store& db, const store::CertRecord& rec, Reason reason, std::int64_t now) {
  if (rec.revoked_at) {
    throw Error(Exit::data, "serial " + rec.serial + " is already revoked (" +
                                rec.reason.value_or("unspecified") + ")");
  }
  if (!db.mark_revoked(rec.serial, reason_name(reason), now)) {
    throw Error(Exit::internal, "certificate row " + rec.serial + " changed under the lock");
  }
}

}  // namespace

store::CertRecord revoke_cert(store::Store& db, std::string_view serial_text, Reason reason,
                              std::int64_t now) {
  const std::string serial = x509::normalize_serial(serial_text);
  return db.in_transaction([&] {
    const auto rec = db.find_cert(serial);
    if (!rec) throw Error(Exit::data, "unknown serial " + serial + " (see 'iot-ca list')");
    if (rec->profile == "root") {
      throw Error(Exit::data, "serial " + serial +
                                  " is the root CA's own certificate; a CRL cannot revoke it"
                                  " (remove it from the relying parties' trust stores instead)");
    }
    mark(db, *rec, reason, now);
    store::CertRecord done = revoked_copy(*rec, reason, now);
    record_revocation(db, done, reason, "cert");
    return done;
  });
}

std::vector<store::CertRecord> revoke_device(store::Store& db, std::string_view device_id,
                                             Reason reason, std::int64_t now) {
  if (!x509::is_valid_device_id(device_id)) {
    throw Error(Exit::data, "invalid device id (expected [A-Za-z0-9][A-Za-z0-9._-]{0,63})");
  }
  const std::string id(device_id);
  return db.in_transaction([&] {
    const auto certs = db.certs_of_device(id);
    if (certs.empty()) {
      throw Error(Exit::data, "unknown device '" + id + "': no certificate was issued to it");
    }
    std::vector<store::CertRecord> done;
    for (const auto& rec : certs) {
      if (rec.status(now) != "active") continue;
      mark(db, rec, reason, now);
      done.push_back(revoked_copy(rec, reason, now));
      record_revocation(db, done.back(), reason, "device");
    }
    if (done.empty()) {
      throw Error(Exit::data, "device '" + id + "' has no active certificate (its " +
                                  std::to_string(certs.size()) +
                                  " certificate(s) are already revoked or expired)");
    }
    return done;
  });
}

std::vector<store::CertRecord> list_revoked(store::Store& db) {
  auto out = db.list_certs(store::CertStatus::revoked, 0);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.revoked_at < b.revoked_at; });
  return out;
}

}  // namespace pki::crl
