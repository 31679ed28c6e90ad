// SPDX-License-Identifier: Apache-2.0
#include "common/records.hpp"

#include "core/clock.hpp"

namespace app {

nlohmann::json cert_json(const pki::store::CertRecord& rec, std::int64_t now) {
  nlohmann::json j = {
      {"serial", rec.serial},
      {"device_id", rec.device_id},
      {"profile", rec.profile},
      {"issuer", rec.issuer},
      {"subject", rec.subject},
      {"not_before", pki::rfc3339(rec.not_before)},
      {"not_after", pki::rfc3339(rec.not_after)},
      {"status", rec.status(now)},
  };
  j["reason"] = rec.reason ? nlohmann::json(*rec.reason) : nlohmann::json(nullptr);
  j["revoked_at"] =
      rec.revoked_at ? nlohmann::json(pki::rfc3339(*rec.revoked_at)) : nlohmann::json(nullptr);
  return j;
}

std::string cert_line(const pki::store::CertRecord& rec, std::int64_t now) {
  std::string line = rec.serial + "  " + rec.status(now) + "  " + rec.profile + "  " + rec.subject +
                     "  until " + pki::rfc3339(rec.not_after);
  if (rec.reason) line += "  (" + *rec.reason + ")";
  return line;
}

}  // namespace app
