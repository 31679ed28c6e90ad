// SPDX-License-Identifier: Apache-2.0
#include "journal/journal.hpp"

#include "core/clock.hpp"
#include "core/encoding.hpp"

namespace pki::journal {
namespace {

// Length prefixes make the encoding injective: no two field tuples hash the same bytes.
void put_field(std::string& out, std::string_view field) {
  out.append(std::to_string(field.size())).append(":").append(field).append(",");
}

}  // namespace

std::string record_hash(std::int64_t seq, std::int64_t ts, std::string_view action,
                        std::string_view detail, std::string_view prev) {
  std::string buf;
  put_field(buf, std::to_string(seq));
  put_field(buf, std::to_string(ts));
  put_field(buf, action);
  put_field(buf, detail);
  put_field(buf, prev);
  return sha256_hex(buf);
}

store::JournalRecord append(store::Store& db, std::string_view action,
                            const nlohmann::json& detail) {
  store::JournalRecord rec;
  rec.seq = 1;
  if (const auto last = db.last_journal_record()) {
    rec.seq = last->seq + 1;
    rec.prev = last->hash;
  }
  rec.ts = now_unix();
  rec.action = action;
  rec.detail = detail.dump();
  rec.hash = record_hash(rec.seq, rec.ts, rec.action, rec.detail, rec.prev);
  db.insert_journal(rec);
  return rec;
}

Verdict verify(store::Store& db) {
  Verdict v;
  std::string expected_prev;
  std::int64_t expected_seq = 1;
  db.for_each_journal([&](const store::JournalRecord& r) {
    const auto fail = [&](std::string problem) {
      v.ok = false;
      v.bad_seq = r.seq;
      v.problem = std::move(problem);
    };
    if (r.seq != expected_seq) {
      fail("expected record " + std::to_string(expected_seq) + " here (a record was deleted)");
    } else if (r.prev != expected_prev) {
      fail("does not chain to the record before it (deleted or reordered)");
    } else if (r.hash != record_hash(r.seq, r.ts, r.action, r.detail, r.prev)) {
      fail("its hash does not match its content (edited)");
    }
    if (!v.ok) return false;
    expected_prev = r.hash;
    ++expected_seq;
    ++v.records;
    return true;
  });
  return v;
}

}  // namespace pki::journal
