// SPDX-License-Identifier: Apache-2.0
#include "journal/check.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "journal/digest.hpp"
#include "journal/journal.hpp"

namespace pki::journal {
namespace {

using nlohmann::json;

// Keyed 64-bit hashes of serials and ids: the key is drawn per run, so no one can
// prepare a row whose serial collides with a recorded one.
class KeyedHash {
 public:
  KeyedHash() : key_(random_bytes(16)) {}
  [[nodiscard]] std::uint64_t operator()(std::string_view text) const {
    std::string buf(reinterpret_cast<const char*>(key_.data()), key_.size());
    buf.append(text);
    const Bytes h = sha256(buf);
    std::uint64_t v = 0;
    std::memcpy(&v, h.data(), sizeof v);
    return v;
  }

 private:
  Bytes key_;
};

struct IssuedEntry {
  std::uint64_t serial;
  std::uint64_t cert;  // keyed hash of the recorded certificate SHA-256 (uppercase)
  std::int64_t seq;
  bool operator<(const IssuedEntry& o) const noexcept { return serial < o.serial; }
};

struct CaState {
  std::int64_t last_number = 0;
  // The root CRL an issuing home imported (import-root-crl records: signed in the root
  // home, whose journal holds its crl record); exports of this home name it.
  std::int64_t imported_number = 0;
  std::int64_t last_seq = 0;
  SerialDigest revoked;  // the revocations of this CA recorded so far
};

struct Purge {
  std::int64_t seq;
  std::string cutoff;  // RFC 3339: the tokens that expired at or before it were deleted
};

std::optional<std::string> str(const json& d, const char* key) {
  const auto it = d.find(key);
  if (it == d.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> int_of(const json& d, const char* key) {
  const auto it = d.find(key);
  if (it == d.end() || !(it->is_number_integer() || it->is_number_unsigned())) return std::nullopt;
  return it->get<std::int64_t>();
}

std::string upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// SHA-256 (uppercase hex) of the DER inside a certificate PEM, without an X.509 parse:
// "" when the PEM cannot be decoded.
std::string pem_der_sha256(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  const auto b = pem.find(kBegin);
  const auto e = pem.find(kEnd);
  if (b == std::string_view::npos || e == std::string_view::npos || e < b) return "";
  const std::string_view body = pem.substr(b + kBegin.size(), e - b - kBegin.size());
  Bytes der(body.size());
  std::size_t n = 0;
  if (::sodium_base642bin(der.data(), der.size(), body.data(), body.size(), "\r\n \t", &n, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
    return "";
  }
  der.resize(n);
  return hex_upper(sha256(der));
}

std::string cut(std::string_view s) {
  return std::string(s.substr(0, 80));
}

class Checker {
 public:
  Checker(store::Store& db, CheckOptions options) : db_(db), opt_(std::move(options)) {
    r_.anchor = opt_.anchor;
  }

  Report run() {
    db_.read_snapshot([&] {
      chain_pass();
      records_pass();
      crl_numbers_pass();
      certs_pass();
      tokens_pass();
    });
    return std::move(r_);
  }

 private:
  void problem(std::int64_t seq, std::string action, std::string table, std::string key,
               std::string what) {
    ++r_.problem_count;
    if (r_.problems.size() < opt_.max_problems) {
      r_.problems.push_back(
          {seq, std::move(action), std::move(table), std::move(key), std::move(what)});
    }
  }
  void record_problem(const store::JournalRecord& rec, std::string table, std::string key,
                      std::string what) {
    problem(rec.seq, rec.action, std::move(table), std::move(key), std::move(what));
  }

  // Pass 1: the chain, the manifest's anchor, and what the records pass needs first
  // (purge cut-offs and discarded token ids, which come after the records they explain).
  void chain_pass() {
    std::string expected_prev;
    std::int64_t expected_seq = 1;
    bool anchor_seen = false;
    db_.for_each_journal([&](const store::JournalRecord& rec) {
      if (rec.seq != expected_seq) {
        record_problem(
            rec, "journal", "",
            "expected record " + std::to_string(expected_seq) + " here (a record was deleted)");
      } else if (rec.prev != expected_prev) {
        record_problem(rec, "journal", "",
                       "does not chain to the record before it (deleted or reordered)");
      } else if (rec.hash != record_hash(rec.seq, rec.ts, rec.action, rec.detail, rec.prev)) {
        record_problem(rec, "journal", "", "its hash does not match its content (edited)");
      }
      // Go on from this record, so one break is one problem and later ones still show.
      expected_prev = rec.hash;
      expected_seq = rec.seq + 1;
      ++r_.records;
      r_.head_seq = rec.seq;
      r_.head_hash = rec.hash;
      if (opt_.anchor && rec.seq == opt_.anchor->seq) {
        anchor_seen = true;
        check_anchor(rec);
      }
      if (rec.action == "token.purge" || rec.action == "token.discard") note_token_removal(rec);
      return true;
    });
    if (opt_.anchor && !anchor_seen) {
      const Anchor& a = *opt_.anchor;
      if (a.seq > r_.head_seq) {
        problem(a.seq, "export", "journal", "",
                "the manifest " + a.source + " (generated " + a.generated_at +
                    ") vouches for this record (hash " + a.hash + "), but the journal ends at " +
                    (r_.head_seq == 0 ? std::string("no record")
                                      : "record " + std::to_string(r_.head_seq)) +
                    ": records " + std::to_string(r_.head_seq + 1) + ".." + std::to_string(a.seq) +
                    " were deleted from its tail (or this is not the registry that exported it)");
      } else {
        problem(a.seq, "export", "journal", "",
                "the manifest " + a.source + " vouches for this record, which is missing");
      }
    }
    std::sort(purges_.begin(), purges_.end(),
              [](const Purge& a, const Purge& b) { return a.seq < b.seq; });
    // Suffix maximum: the latest cut-off of any purge after a given record.
    for (std::size_t i = purges_.size(); i-- > 1;) {
      if (purges_[i].cutoff > purges_[i - 1].cutoff) purges_[i - 1].cutoff = purges_[i].cutoff;
    }
  }

  void check_anchor(const store::JournalRecord& rec) {
    const Anchor& a = *opt_.anchor;
    if (rec.hash != a.hash) {
      record_problem(rec, "journal", "",
                     "its hash is " + rec.hash + " but the manifest " + a.source + " (generated " +
                         a.generated_at + ") recorded " + a.hash +
                         ": the journal was rewritten (its chain recomputed) at or before this "
                         "record since that export");
      return;
    }
    if (rec.action != "export") {
      record_problem(rec, "manifest", a.source,
                     "the manifest names this record as its export's, but it is a '" + rec.action +
                         "' record");
      return;
    }
    json d = json::parse(rec.detail, nullptr, false);
    const auto numbers = d.is_object() ? d.find("crl_numbers") : d.end();
    if (numbers == d.end() || !numbers->is_object()) return;
    for (const auto& [ca, n] : a.crl_numbers) {
      const auto it = numbers->find(ca);
      if (it == numbers->end() || !it->is_number_integer() || it->get<std::int64_t>() != n) {
        record_problem(rec, "manifest", a.source,
                       "the manifest lists CRL Number " + std::to_string(n) + " of CA " + cut(ca) +
                           ", its export record says " +
                           (it == numbers->end() ? "none" : it->dump()));
      }
    }
  }

  void note_token_removal(const store::JournalRecord& rec) {
    const json d = json::parse(rec.detail, nullptr, false);
    if (!d.is_object()) return;  // the records pass names it
    if (rec.action == "token.purge") {
      // Since 2026-12 the record names its cut-off; older ones ran at their own time.
      purges_.push_back({rec.seq, str(d, "expired_before").value_or(rfc3339(rec.ts))});
      return;
    }
    const auto ids = d.find("ids");
    if (ids != d.end() && ids->is_array()) {
      for (const auto& id : *ids) {
        if (id.is_string()) discarded_.insert(id.get<std::string>());
      }
    } else {
      legacy_discard_budget_ += int_of(d, "count").value_or(0);
    }
  }

  // The latest purge cut-off after record `seq` ("" when none).
  [[nodiscard]] std::string purge_cutoff_after(std::int64_t seq) const {
    const auto it = std::upper_bound(purges_.begin(), purges_.end(), seq,
                                     [](std::int64_t s, const Purge& p) { return s < p.seq; });
    return it == purges_.end() ? std::string() : it->cutoff;
  }

  // Pass 2: every record against the row it names.
  void records_pass() {
    db_.for_each_journal([&](const store::JournalRecord& rec) {
      const json d = json::parse(rec.detail, nullptr, false);
      if (!d.is_object()) {
        record_problem(rec, "journal", "", "its detail is not a JSON object");
        return true;
      }
      if (rec.action == "revoke") {
        check_revoke(rec, d);
      } else if (rec.action == "crl") {
        check_crl(rec, d);
      } else if (rec.action == "export") {
        check_export(rec, d);
      } else if (rec.action == "import-root-crl") {
        if (const auto n = int_of(d, "crl_number")) cas_["root"].imported_number = *n;
      } else if (rec.action == "token.create") {
        check_token_create(rec, d);
      } else if (rec.action == "token.redeem") {
        check_token_redeem(rec, d);
      } else if (str(d, "serial") && str(d, "sha256")) {
        check_issue(rec, d);  // ca::record_issued: issue, init, intermediate, …
      }
      return true;
    });
  }

  void differs(const store::JournalRecord& rec, const std::string& serial, const char* field,
               const std::string& journal_says, const std::string& row_says,
               const char* table = "certs") {
    record_problem(rec, table, serial,
                   std::string(field) + " differs: the journal says " + cut(journal_says) +
                       ", the " + table + " row says " + cut(row_says) + " (changed directly)");
  }

  void check_issue(const store::JournalRecord& rec, const json& d) {
    const std::string serial = *str(d, "serial");
    issued_.push_back({hash_(serial), hash_(upper(*str(d, "sha256"))), rec.seq});
    const auto row = db_.find_cert(serial);
    if (!row) {
      record_problem(rec, "certs", serial,
                     "records the issue of certificate " + cut(serial) + " (" +
                         cut(str(d, "subject").value_or("?")) +
                         ") but the certs table has no row for it (deleted)");
      return;
    }
    if (const auto v = str(d, "subject"); v && *v != row->subject)
      differs(rec, serial, "subject", *v, row->subject);
    if (const auto v = str(d, "profile"); v && *v != row->profile)
      differs(rec, serial, "profile", *v, row->profile);
    if (const auto v = str(d, "issuer"); v && *v != row->issuer)
      differs(rec, serial, "issuer", *v, row->issuer);
    if (const auto v = str(d, "device_id"); v && *v != row->device_id)
      differs(rec, serial, "device_id", *v, row->device_id);
    if (const auto v = int_of(d, "not_after"); v && *v != row->not_after)
      differs(rec, serial, "not_after", rfc3339(*v), rfc3339(row->not_after));
  }

  void check_revoke(const store::JournalRecord& rec, const json& d) {
    const auto serial = str(d, "serial");
    if (!serial) {
      record_problem(rec, "journal", "", "a revoke record without a serial");
      return;
    }
    const std::string issuer = str(d, "issuer").value_or("");
    const std::string reason = str(d, "reason").value_or("");
    revoked_.push_back(hash_(*serial));
    cas_[issuer].revoked.add(*serial);
    const auto row = db_.find_cert(*serial);
    if (!row) {
      record_problem(rec, "certs", *serial,
                     "revokes certificate " + cut(*serial) +
                         " but the certs table has no row for it (deleted)");
      return;
    }
    if (!row->revoked_at) {
      record_problem(rec, "certs", *serial,
                     "revoked certificate " + cut(*serial) + " (" + cut(reason) + ", CA " +
                         cut(issuer) +
                         "), but its certs row says it is not revoked (revoked_at is NULL): "
                         "undone by a direct change to the registry; the next CRL of " +
                         cut(issuer) + " would leave it out");
      return;
    }
    if (!reason.empty() && reason != row->reason.value_or(""))
      differs(rec, *serial, "the revocation reason", reason, row->reason.value_or("none"));
    if (const auto v = int_of(d, "revoked_at"); v && *v != *row->revoked_at)
      differs(rec, *serial, "the revocation time", rfc3339(*v), rfc3339(*row->revoked_at));
    if (!issuer.empty() && issuer != row->issuer)
      differs(rec, *serial, "issuer", issuer, row->issuer);
  }

  void check_crl(const store::JournalRecord& rec, const json& d) {
    const std::string ca = str(d, "ca").value_or("");
    const auto number = int_of(d, "crl_number");
    if (ca.empty() || !number) {
      record_problem(rec, "journal", "", "a crl record without its CA or CRL Number");
      return;
    }
    ++r_.crls;
    CaState& st = cas_[ca];
    if (*number != st.last_number + 1) {
      const std::string last = st.last_number == 0 ? std::string("none")
                                                   : std::to_string(st.last_number) + " (record " +
                                                         std::to_string(st.last_seq) + ")";
      record_problem(rec, "crl", ca,
                     *number <= st.last_number
                         ? "CRL Number " + std::to_string(*number) + " of CA " + cut(ca) +
                               " again, after " + last + ": a CRL Number was reused"
                         : "CRL Number " + std::to_string(*number) + " of CA " + cut(ca) +
                               " follows " + last +
                               ": the records of the CRL Numbers between were deleted");
    }
    st.last_number = std::max(st.last_number, *number);
    st.last_seq = rec.seq;
    const auto entries = int_of(d, "entries");
    if (entries && *entries != st.revoked.count()) {
      record_problem(
          rec, "crl", ca,
          "CRL Number " + std::to_string(*number) + " of CA " + cut(ca) + " listed " +
              std::to_string(*entries) + " revoked certificates, but the journal records " +
              std::to_string(st.revoked.count()) + " revocations of " + cut(ca) + " before it: " +
              (*entries > st.revoked.count()
                   ? "revoke records were deleted, or certificates revoked outside iot-revoke"
                   : "the CRL left out revocations (undone in the registry before it was signed)"));
      return;
    }
    if (const auto sum = str(d, "serials_sum"); sum && *sum != st.revoked.hex()) {
      record_problem(rec, "crl", ca,
                     "CRL Number " + std::to_string(*number) + " of CA " + cut(ca) +
                         " listed a different set of serials than the revocations of " + cut(ca) +
                         " the journal records before it (serials_sum " + cut(*sum) +
                         ", the journal's " + st.revoked.hex() + ")");
    }
  }

  void check_export(const store::JournalRecord& rec, const json& d) {
    const auto numbers = d.find("crl_numbers");
    if (numbers == d.end() || !numbers->is_object()) return;
    for (const auto& [ca, n] : numbers->items()) {
      const auto it = cas_.find(ca);
      const std::int64_t last =
          it == cas_.end() ? 0 : std::max(it->second.last_number, it->second.imported_number);
      if (!n.is_number_integer() || n.get<std::int64_t>() != last) {
        record_problem(rec, "crl", ca,
                       "the export names CRL Number " + n.dump() + " of CA " + cut(ca) +
                           " but the last crl record of " + cut(ca) + " before it is CRL Number " +
                           std::to_string(last) + " (a crl record was deleted)");
      }
    }
  }

  void check_token_create(const store::JournalRecord& rec, const json& d) {
    const auto id = str(d, "id");
    if (!id) {
      record_problem(rec, "journal", "", "a token.create record without a token id");
      return;
    }
    created_.push_back(hash_(*id));
    const std::string device = str(d, "device_id").value_or("");
    const std::string expires = str(d, "expires_at").value_or("");
    const auto row = db_.find_token(*id);
    if (row) {
      if (device != row->device_id)
        differs(rec, *id, "device_id", device, row->device_id, "tokens");
      if (!expires.empty() && expires != rfc3339(row->expires_at))
        differs(rec, *id, "expires_at", expires, rfc3339(row->expires_at), "tokens");
      return;
    }
    // Gone legitimately: discarded by name, or expired before a later purge's cut-off
    // (a purge deletes only unused tokens; a redeemed one is checked by its redeem record).
    if (discarded_.contains(*id)) return;
    const std::string cutoff = purge_cutoff_after(rec.seq);
    if (!cutoff.empty() && !expires.empty() && expires <= cutoff) return;
    if (legacy_discard_budget_ > 0) {
      --legacy_discard_budget_;
      ++r_.legacy_discards;
      return;
    }
    record_problem(rec, "tokens", *id,
                   "created token " + cut(*id) + " for device " + cut(device) + " (expires " +
                       cut(expires) +
                       ") but the tokens table has no row for it, and no purge or discard record "
                       "accounts for it (deleted)");
  }

  void check_token_redeem(const store::JournalRecord& rec, const json& d) {
    const auto id = str(d, "id");
    if (!id) {
      record_problem(rec, "journal", "", "a token.redeem record without a token id");
      return;
    }
    redeemed_.push_back(hash_(*id));
    const std::string serial = str(d, "serial").value_or("");
    const auto row = db_.find_token(*id);
    if (!row) {
      record_problem(rec, "tokens", *id,
                     "redeemed token " + cut(*id) + " (certificate " + cut(serial) +
                         ") but the tokens table has no row for it (deleted)");
      return;
    }
    if (!row->used_at) {
      record_problem(rec, "tokens", *id,
                     "redeemed token " + cut(*id) + " (certificate " + cut(serial) +
                         "), but its tokens row says it is unused (used_at is NULL): reset by a "
                         "direct change, the token would enroll again");
      return;
    }
    if (serial != row->serial.value_or(""))
      differs(rec, *id, "the certificate it enrolled", serial, row->serial.value_or("none"),
              "tokens");
    if (const auto v = int_of(d, "used_at"); v && *v != *row->used_at)
      differs(rec, *id, "used_at", rfc3339(*v), rfc3339(*row->used_at), "tokens");
  }

  // The registry's CRL Numbers against the last one recorded per CA: the records of a
  // CRL and of the export around it are the usual tail, and crl_numbers remembers them.
  void crl_numbers_pass() {
    std::set<std::string> seen;
    for (const auto& [ca, last] : db_.crl_numbers()) {
      seen.insert(ca);
      const auto it = cas_.find(ca);
      const std::int64_t recorded = it == cas_.end() ? 0 : it->second.last_number;
      const std::string where = recorded == 0
                                    ? std::string("has no crl record of it")
                                    : "ends at CRL Number " + std::to_string(recorded) +
                                          " (record " + std::to_string(it->second.last_seq) + ")";
      if (last > recorded) {
        problem(0, "", "crl_numbers", ca,
                "CA " + cut(ca) + " has spent CRL Numbers up to " + std::to_string(last) +
                    ", but the journal " + where + ": the records of CRL Numbers " +
                    std::to_string(recorded + 1) + ".." + std::to_string(last) +
                    " were deleted (the journal's tail was cut?)");
      } else if (last < recorded) {
        problem(0, "", "crl_numbers", ca,
                "CA " + cut(ca) + "'s last CRL Number is " + std::to_string(last) +
                    " but the journal " + where +
                    ": lowered directly, the next CRL would reuse a number");
      }
    }
    for (const auto& [ca, st] : cas_) {
      if (st.last_number > 0 && !seen.contains(ca)) {
        problem(0, "", "crl_numbers", ca,
                "the journal records CRL Numbers of CA " + cut(ca) + " up to " +
                    std::to_string(st.last_number) +
                    " but the registry has no CRL Number for it "
                    "(row deleted: the next CRL would reuse number 1)");
      }
    }
  }

  // Pass 3: every certs row has its issuance record (and its revocation one).
  void certs_pass() {
    std::sort(issued_.begin(), issued_.end());
    for (std::size_t i = 1; i < issued_.size(); ++i) {
      if (issued_[i].serial == issued_[i - 1].serial) {
        problem(issued_[i].seq, "", "journal", "",
                "records the issue of the same serial as record " +
                    std::to_string(issued_[i - 1].seq) +
                    " (a serial issued twice, or a replayed record)");
      }
    }
    std::sort(revoked_.begin(), revoked_.end());
    db_.for_each_cert([&](const store::CertRecord& row) {
      ++r_.certs;
      const std::string summary = " (" + row.profile + ", " + cut(row.subject) + ", issuer " +
                                  cut(row.issuer) + ", issued " + rfc3339(row.issued_at) + ")";
      const std::uint64_t h = hash_(row.serial);
      const auto it = std::lower_bound(issued_.begin(), issued_.end(), IssuedEntry{h, 0, 0});
      if (it == issued_.end() || it->serial != h) {
        problem(0, "", "certs", row.serial,
                "no journal record issued it" + summary +
                    ": inserted directly, or its record was deleted");
      } else if (hash_(pem_der_sha256(row.pem)) != it->cert) {
        problem(it->seq, "", "certs", row.serial,
                "its certs row holds a certificate (SHA-256 " + pem_der_sha256(row.pem) +
                    ") other than the one this record issued: the PEM was replaced");
      }
      if (row.revoked_at) {
        ++r_.revoked;
        if (!std::binary_search(revoked_.begin(), revoked_.end(), h)) {
          problem(0, "", "certs", row.serial,
                  "is revoked (" + row.reason.value_or("no reason") + ", " +
                      rfc3339(*row.revoked_at) + ") but no journal record revokes it" + summary +
                      ": changed directly");
        }
      }
    });
  }

  // Pass 4: every token row has its records.
  void tokens_pass() {
    std::sort(created_.begin(), created_.end());
    std::sort(redeemed_.begin(), redeemed_.end());
    db_.for_each_token([&](const store::TokenRow& row) {
      ++r_.tokens;
      const std::uint64_t h = hash_(row.id);
      if (!std::binary_search(created_.begin(), created_.end(), h)) {
        problem(0, "", "tokens", row.id,
                "no token.create record for this token (device " + cut(row.device_id) +
                    ", created " + rfc3339(row.created_at) +
                    "): inserted directly, or its record was deleted");
      }
      if (row.used_at && !std::binary_search(redeemed_.begin(), redeemed_.end(), h)) {
        problem(0, "", "tokens", row.id,
                "marked used (certificate " + row.serial.value_or("none") + ", " +
                    rfc3339(*row.used_at) + ") but no token.redeem record: changed directly");
      }
    });
  }

  store::Store& db_;
  CheckOptions opt_;
  Report r_;
  KeyedHash hash_;
  std::vector<IssuedEntry> issued_;
  std::vector<std::uint64_t> revoked_;
  std::vector<std::uint64_t> created_;
  std::vector<std::uint64_t> redeemed_;
  std::map<std::string, CaState> cas_;
  std::vector<Purge> purges_;
  std::set<std::string> discarded_;
  std::int64_t legacy_discard_budget_ = 0;
};

}  // namespace

std::string Problem::text() const {
  std::string head;
  if (seq > 0) {
    head = "journal record " + std::to_string(seq) + (action.empty() ? "" : " (" + action + ")");
    if (!key.empty() && table != "journal") head += ", " + table + " " + cut(key);
  } else if (table == "manifest") {
    head = "manifest " + key;
  } else {
    head = table + " row " + cut(key);
  }
  return head + ": " + what;
}

json Report::to_json() const {
  json problems_doc = json::array();
  for (const auto& p : problems) {
    problems_doc.push_back({{"seq", p.seq > 0 ? json(p.seq) : json(nullptr)},
                            {"action", p.action},
                            {"table", p.table},
                            {"key", p.key},
                            {"problem", p.what},
                            {"message", p.text()}});
  }
  json doc = {{"ok", ok()},
              {"records", records},
              {"head", {{"seq", head_seq}, {"hash", head_hash}}},
              {"checked",
               {{"certs", certs},
                {"revoked", revoked},
                {"tokens", tokens},
                {"crls", crls},
                {"legacy_discards", legacy_discards}}},
              {"problem_count", problem_count},
              {"problems", problems_doc}};
  if (anchor) {
    doc["manifest"] = {{"path", anchor->source},
                       {"sequence", anchor->sequence},
                       {"journal", {{"seq", anchor->seq}, {"hash", anchor->hash}}},
                       {"signature", anchor->signature}};
  }
  return doc;
}

Report check(store::Store& db, CheckOptions options) {
  return Checker(db, std::move(options)).run();
}

}  // namespace pki::journal
