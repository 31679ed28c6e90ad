// SPDX-License-Identifier: Apache-2.0
#include "journal/crl_guard.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"

namespace pki::journal {

void require_no_dropped_revocation(store::Store& db, std::string_view ca,
                                   const SerialDigest& listed) {
  const auto prev = db.last_journal_record_of("crl", "ca", ca);
  if (!prev) return;  // the CA's first CRL
  const nlohmann::json d = nlohmann::json::parse(prev->detail, nullptr, false);
  if (!d.is_object()) return;  // journal verify names a damaged record
  const auto entries = d.find("entries");
  if (entries == d.end() || !entries->is_number_integer()) return;
  std::int64_t expected = entries->get<std::int64_t>();
  std::optional<SerialDigest> sum;
  if (const auto s = d.find("serials_sum"); s != d.end() && s->is_string()) {
    sum = SerialDigest::from_hex(s->get<std::string>());
  }
  SerialDigest since;
  db.for_each_journal_after(prev->seq, "revoke", [&](const store::JournalRecord& r) {
    const nlohmann::json rd = nlohmann::json::parse(r.detail, nullptr, false);
    if (!rd.is_object() || rd.value("issuer", "") != ca) return true;
    const auto serial = rd.find("serial");
    if (serial != rd.end() && serial->is_string()) since.add(serial->get<std::string>());
    return true;
  });
  expected += since.count();
  const std::string last = "CRL Number " + std::to_string(d.value("crl_number", std::int64_t{0})) +
                           " (journal record " + std::to_string(prev->seq) + ")";
  const std::string fix =
      ": a revocation was undone by a direct change to the registry; refusing to sign a CRL "
      "that drops it (run 'iot-ca journal verify' to name it)";
  if (listed.count() < expected) {
    throw Error(Exit::data, "CA " + std::string(ca) + ": the new CRL would list " +
                                std::to_string(listed.count()) + " revoked certificates, but " +
                                last + " listed " + std::to_string(entries->get<std::int64_t>()) +
                                " and the journal records " + std::to_string(since.count()) +
                                " revocations since" + fix);
  }
  if (listed.count() == expected && sum) {
    sum->add(since);
    if (!sum->same_sum(listed)) {
      throw Error(Exit::data, "CA " + std::string(ca) +
                                  ": the new CRL lists as many certificates as " + last +
                                  " and the revocations since, but not the same ones" + fix);
    }
  }
}

}  // namespace pki::journal
