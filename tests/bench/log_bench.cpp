// SPDX-License-Identifier: Apache-2.0
// The issuance log's costs (docs/benchmarks.md "Transparency log"), and a quick way to
// fill a CA home with real certificates for tests/cli/ca_log.sh:
//   log_bench fill HOME N [BATCH]  N device certificates (CN log-<i>, one key) signed by the
//                                  home's default CA through ca::issue_leaf, BATCH (100)
//                                  per transaction; prints ms per issuance
//   log_bench append HOME N        N issuances one transaction each (as `iot-ca sign`),
//                                  and the log's share of each: the same leaf appends timed
//                                  alone in a scratch registry
//   log_bench proofs N             tree build, one inclusion and one consistency proof,
//                                  streaming root, over N synthetic leaves
//   log_bench fake HOME N          N registry rows with 700-byte PEM blocks (not
//                                  certificates) in one transaction, to time an export
//                                  of a 1,000,000-leaf log without signing 1,000,000
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ca/home.hpp"
#include "ca/issue.hpp"
#include "core/encoding.hpp"
#include "keys/keys.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "translog/merkle.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace tl = pki::translog;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void issue(const pki::ca::Home& home, long n, long batch, const char* what) {
  const auto settings = home.settings();
  const pki::x509::Signer ca =
      home.load_ca(home.default_signer_name(), pki::keys::PassphraseSource());
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  const auto db = home.open_store();
  const long start = db->log_size();
  const auto t0 = Clock::now();
  for (long i = 0; i < n;) {
    db->transaction([&] {
      for (long j = 0; j < batch && i < n; ++j, ++i) {
        (void)pki::ca::issue_leaf(
            *db, ca, key.get(),
            {pki::x509::Profile::device, "log-" + std::to_string(start + i), {}, 30}, settings);
      }
    });
  }
  const double s = seconds_since(t0);
  std::printf("%s: %ld certificates in %.2f s, %.3f ms each (%ld per transaction)\n", what, n, s,
              1000.0 * s / static_cast<double>(n), batch);
}

// The log's share of an issuance: what insert_cert adds (PEM → DER, leaf hash, one
// INSERT into log_leaves), one transaction each like a real issuance.
void append_alone(const pki::ca::Home& home, long n) {
  const auto db = home.open_store();
  std::vector<std::pair<std::string, std::string>> rows;
  db->for_each_log_leaf(true, [&](const pki::store::LogLeaf& l) {
    rows.emplace_back(l.serial, *l.pem);
    return static_cast<long>(rows.size()) < n;
  });
  const auto scratch = home.dir() / "log-append-scratch.db";
  std::filesystem::remove(scratch);
  auto sdb = pki::store::sqlite::open_db(scratch, true);
  const auto t0 = Clock::now();
  for (const auto& [serial, pem] : rows) {
    pki::store::sqlite::WriteTxn txn(sdb.get());
    pki::store::sqlite::append_log_leaf(sdb.get(), serial, pem);
    txn.commit();
  }
  const double with_commit = seconds_since(t0);
  pki::store::sqlite::exec(sdb.get(), "DELETE FROM log_leaves");
  const auto t1 = Clock::now();
  {
    pki::store::sqlite::WriteTxn txn(sdb.get());
    for (const auto& [serial, pem] : rows)
      pki::store::sqlite::append_log_leaf(sdb.get(), serial, pem);
    txn.commit();
  }
  const double in_one = seconds_since(t1);
  std::printf(
      "log append alone: %.1f us each in its own transaction (commit included), %.1f us each "
      "inside an issuance's transaction\n",
      1e6 * with_commit / static_cast<double>(rows.size()),
      1e6 * in_one / static_cast<double>(rows.size()));
  sdb.reset();
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(scratch.string() + s);
}

void proofs(long n) {
  std::vector<tl::Hash> leaves;
  leaves.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) leaves.push_back(tl::leaf_hash(pki::as_bytes(std::to_string(i))));
  auto t0 = Clock::now();
  tl::RootBuilder b;
  for (const auto& l : leaves) b.add(l);
  const tl::Hash root = b.root();
  const double stream = seconds_since(t0);
  t0 = Clock::now();
  const tl::Tree tree(leaves);
  const double build = seconds_since(t0);
  t0 = Clock::now();
  long count = 0;
  const long step = n / 1000 > 0 ? n / 1000 : 1;
  for (long i = 0; i < n; i += step, ++count) {
    const auto p = tree.inclusion_proof(static_cast<std::uint64_t>(i));
    if (!tl::verify_inclusion(static_cast<std::uint64_t>(i), tree.size(),
                              leaves[static_cast<std::size_t>(i)], p, root)) {
      std::fprintf(stderr, "proof %ld failed\n", i);
      std::exit(1);
    }
  }
  const double per_proof = seconds_since(t0) / static_cast<double>(count);
  t0 = Clock::now();
  const auto c = tree.consistency_proof(static_cast<std::uint64_t>(n / 3));
  const double cons = seconds_since(t0);
  std::printf(
      "%ld leaves: streaming root %.3f s; tree build %.3f s (%.0f MB); inclusion proof + "
      "verify %.1f us; consistency proof %.1f us (%zu hashes)\n",
      n, stream, build, 64.0 * static_cast<double>(n) / 1e6, 1e6 * per_proof, 1e6 * cons, c.size());
}

void fake(const pki::ca::Home& home, long n) {
  const auto db = home.open_store();
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (int i = 0; i < 14; ++i) pem += std::string(64, 'Q') + "\n";
  pem += "-----END CERTIFICATE-----\n";
  const auto t0 = Clock::now();
  const long first = db->log_size();
  for (long i = 0; i < n;) {
    db->transaction([&] {  // 10,000 per transaction: one huge one spills SQLite's cache
      for (long end = std::min(n, i + 10000); i < end; ++i) {
        pki::store::CertRecord r;
        char serial[32];
        std::snprintf(serial, sizeof serial, "F%015lX", first + i);
        r.serial = serial;
        r.device_id = "fake-" + std::to_string(i);
        r.profile = "device";
        r.issuer = home.default_signer_name();
        r.subject = "CN=" + r.device_id;
        r.not_after = 4102444800;
        r.issued_at = 1;
        // Distinct entries: the serial in the PEM's base64.
        r.pem = pem;
        r.pem.replace(28, 16, std::string(serial));
        db->insert_cert(r);
      }
    });
  }
  std::printf("%ld fake rows in %.2f s\n", n, seconds_since(t0));
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "proofs" && argc == 3) {
      proofs(std::atol(argv[2]));
    } else if (mode == "fill" && (argc == 4 || argc == 5)) {
      issue(pki::ca::Home(argv[2]), std::atol(argv[3]), argc == 5 ? std::atol(argv[4]) : 100,
            "fill");
    } else if (mode == "append" && argc == 4) {
      const pki::ca::Home home(argv[2]);
      issue(home, std::atol(argv[3]), 1, "issuance with the log (one transaction each)");
      append_alone(home, std::atol(argv[3]));
    } else if (mode == "fake" && argc == 4) {
      fake(pki::ca::Home(argv[2]), std::atol(argv[3]));
    } else {
      std::fprintf(
          stderr,
          "usage: log_bench fill HOME N [BATCH] | append HOME N | proofs N | fake HOME N\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "log_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
