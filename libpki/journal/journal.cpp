// SPDX-License-Identifier: Apache-2.0
#include "journal/journal.hpp"

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "registry/sqlite.hpp"

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

void append(sqlite3* db, std::string_view action, const nlohmann::json& detail) {
  std::int64_t seq = 1;
  std::string prev;
  {
    db::Stmt last(db, "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1");
    if (last.step()) {
      seq = last.int64(0) + 1;
      prev = last.text(1);
    }
  }
  const std::int64_t ts = now_unix();
  const std::string body = detail.dump();
  db::Stmt(db, "INSERT INTO journal(seq, ts, action, detail, prev, hash) VALUES(?1,?2,?3,?4,?5,?6)")
      .bind(1, seq)
      .bind(2, ts)
      .bind(3, action)
      .bind(4, body)
      .bind(5, prev)
      .bind(6, record_hash(seq, ts, action, body, prev))
      .step();
}

Verdict verify(sqlite3* db) {
  Verdict v;
  db::Stmt q(db, "SELECT seq, ts, action, detail, prev, hash FROM journal ORDER BY seq");
  std::string expected_prev;
  std::int64_t expected_seq = 1;
  while (q.step()) {
    const std::int64_t seq = q.int64(0);
    const auto fail = [&](std::string problem) {
      v.ok = false;
      v.bad_seq = seq;
      v.problem = std::move(problem);
    };
    if (seq != expected_seq) {
      fail("expected record " + std::to_string(expected_seq) + " here (a record was deleted)");
    } else if (q.text(4) != expected_prev) {
      fail("does not chain to the record before it (deleted or reordered)");
    } else if (q.text(5) != record_hash(seq, q.int64(1), q.text(2), q.text(3), q.text(4))) {
      fail("its hash does not match its content (edited)");
    }
    if (!v.ok) return v;
    expected_prev = q.text(5);
    ++expected_seq;
    ++v.records;
  }
  return v;
}

}  // namespace pki::journal
