// SPDX-License-Identifier: Apache-2.0
#pragma once
// The CA journal: append-only records in the registry (store::Store), hash-chained, so an edited,
// deleted or reordered record is detectable.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace pki::journal {

// Appends one record and returns it (its seq and hash are the journal's new head). Call
// inside the store transaction of the change it records, so the change and its record
// commit together. Never put a secret in `detail`.
store::JournalRecord append(store::Store& db, std::string_view action,
                            const nlohmann::json& detail);

struct Verdict {
  bool ok = true;
  std::int64_t records = 0;
  std::int64_t bad_seq = 0;  // first bad record when !ok
  std::string problem;       // what is wrong with it
};

[[nodiscard]] Verdict verify(store::Store& db);

// The hash of a record: SHA-256 over a length-prefixed encoding of its fields.
[[nodiscard]] std::string record_hash(std::int64_t seq, std::int64_t ts, std::string_view action,
                                      std::string_view detail, std::string_view prev);

}  // namespace pki::journal
