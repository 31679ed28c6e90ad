// SPDX-License-Identifier: Apache-2.0
#pragma once
// `iot-ca journal verify`: the journal's hash chain, cross-checked against the registry
// tables it records, and (given an exported manifest) against the head that left the
// machine. What it proves and what it cannot: docs/trust.md.
//
//  * chain: every record follows the one before (seq, prev) and hashes to its hash;
//  * certificates: every issuance record (ca::record_issued) has its certs row with the
//    recorded subject, profile, issuer, device, not-after and certificate SHA-256, and
//    every certs row its issuance record;
//  * revocations: every revoke record's row is revoked with that reason (and time,
//    where recorded), every revoked row has its revoke record; every crl record's entry
//    count (and serials digest, journal/digest.hpp) equals the revocations of its CA
//    recorded before it;
//  * tokens: every token.create record has its row (unless a later token.purge or
//    token.discard record accounts for it), every token.redeem record a used row with
//    that certificate, and every row its records;
//  * CRL Numbers: each CA's crl records number 1, 2, 3 …, and the registry's last
//    CRL Number is the last one recorded (a cut tail shows here);
//  * manifest: the record it names exists, is an export record, has its hash.
//
// Streamed in one read snapshot: the journal twice, certs and tokens once each; what
// is held is 8 bytes per revocation or token record and 24 per certificate (keyed
// hashes of serials and ids), about 40 MB for 1,000,000 of each.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "journal/anchor.hpp"
#include "store/store.hpp"

namespace pki::journal {

struct Problem {
  std::int64_t seq = 0;  // the journal record concerned; 0 when none
  std::string action;    // its action
  std::string table;     // journal (the chain) | certs | tokens | crl | crl_numbers | manifest
  std::string key;       // serial, token id or CA name ("" when none)
  std::string what;
  // "journal record 17 (revoke): …", "certs row 0A1B…: …", "manifest F: …"
  [[nodiscard]] std::string text() const;
};

struct CheckOptions {
  std::optional<Anchor> anchor;
  std::size_t max_problems = 100;  // kept in full; the rest are counted
};

struct Report {
  std::int64_t records = 0;
  std::int64_t head_seq = 0;
  std::string head_hash;
  std::int64_t certs = 0;
  std::int64_t revoked = 0;
  std::int64_t tokens = 0;
  std::int64_t crls = 0;
  std::int64_t legacy_discards = 0;  // tokens an old token.discard record dropped unnamed
  std::optional<Anchor> anchor;
  std::vector<Problem> problems;
  std::int64_t problem_count = 0;
  [[nodiscard]] bool ok() const noexcept { return problem_count == 0; }
  [[nodiscard]] nlohmann::json to_json() const;
};

[[nodiscard]] Report check(store::Store& db, CheckOptions options = {});

}  // namespace pki::journal
