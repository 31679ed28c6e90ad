#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The issuance transparency log, CA side (issue 12): export writes log-leaves.bin,
# log-head.json and its signature, listed in the signed manifest; the head's root is
# recomputed here from the leaves file, and the leaves from the certificates (Python,
# no project code). 10,000 certificates (tests/bench/log_bench fill, ca::issue_leaf in
# batches: `iot-ca sign` per certificate is too slow for the budget) each have an
# inclusion proof (`iot-ca log proof --all`, one run) that tests/tools/verify_log.py
# accepts; consistency proofs between three exported heads verify. A tampered leaf, a
# tampered certificate row, a truncated log, and a rewritten history (a middle leaf
# replaced and recomputed; then the stored heads recomputed too) are each named by
# `iot-ca log verify` (65) and refused by `iot-ca export` (65, nothing written).
# Fails before the fix: /work/wt/baseline/bin's export writes no log-head.json and it
# has no `iot-ca log`.
. "$(dirname "$0")/../lib/common.sh"
H=$T/pki
DB=$H/registry.db
VERIFY=$(cd "$(dirname "$0")/.." && pwd)/tools/verify_log.py
FILL=${IOTPKI_LOG_BENCH:-$IOTPKI_BIN/log_bench}
q() { sqlite3 "$DB" "$@"; }
pki_home "$H" i1
for i in 1 2 3; do
  make_device_csr "dev-$i" "$T"
  iot-ca --home "$H" sign --csr "$T/dev-$i.csr" --profile device --out "$T/dev-$i.crt" >/dev/null
done
iot-ca --home "$H" export --out "$T/out1" >/dev/null 2>&1
[ -f "$T/out1/log-head.json" ] || fail "export wrote no log-head.json"

# The export's log files, as the fixed format says, checked without project code.
"$PY" - "$T/out1" "$DB" "$(dirname "$VERIFY")" <<'PY' || fail "the exported log does not match its format"
import hashlib, json, sqlite3, sys, base64, re
out, db = sys.argv[1], sys.argv[2]
head_text = open(f"{out}/log-head.json", "rb").read()
head = json.loads(head_text)
leaves = open(f"{out}/log-leaves.bin", "rb").read()
assert head["format"] == "iot-pki-log-head/1", head
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", head["timestamp"]), head
n = head["tree_size"]
assert len(leaves) == 32 * n and head["leaves"] == {
    "name": "log-leaves.bin", "size": len(leaves), "sha256": hashlib.sha256(leaves).hexdigest()}
sys.path.insert(0, sys.argv[3])
from verify_log import check_head
assert check_head(head, leaves) is None, check_head(head, leaves)
hs = [leaves[i:i + 32] for i in range(0, len(leaves), 32)]
# Every certificate of the registry is a leaf, in issued_at, serial order (one second
# apart at most here, so compare as sets and check the count).
rows = sqlite3.connect(db).execute("SELECT pem FROM certs").fetchall()
der = lambda pem: base64.b64decode("".join(pem.split("-----")[2].split()))
assert sorted(hashlib.sha256(b"\x00" + der(p)).digest() for (p,) in rows) == sorted(hs)
assert n == len(rows) == 3 + 3  # root, issuing, publisher, three devices
m = json.load(open(f"{out}/manifest.json"))
assert m["log"] == {"tree_size": n, "root_hash": head["root_hash"]}, m["log"]
files = {f["name"]: f for f in m["files"]}
for name, data in (("log-head.json", head_text), ("log-leaves.bin", leaves)):
    assert files[name] == {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
PY
pass "export writes log-leaves.bin and log-head.json as specified, referenced by the manifest"
openssl cms -verify -binary -inform DER -in "$T/out1/log-head.json.p7s" -content "$T/out1/log-head.json" \
  -CAfile "$T/out1/ca-bundle.pem" -purpose any -out /dev/null 2>"$T/cms.err" ||
  fail "log-head.json.p7s does not verify: $(cat "$T/cms.err")"
pass "log-head.json.p7s is a detached CMS signature openssl accepts"

# 10,000 more certificates; a second export.
[ -x "$FILL" ] || fail "no $FILL (build the log_bench target)"
t0=$SECONDS
"$FILL" fill "$H" 10000 1000 >/dev/null
echo "# 10,000 certificates issued in $((SECONDS - t0)) s"
iot-ca --home "$H" export --out "$T/out2" >/dev/null 2>&1
N2=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["tree_size"])' "$T/out2/log-head.json")
[ "$N2" = 10006 ] || fail "the second head has $N2 leaves, want 10006"
mkdir "$T/pems"
"$PY" - "$DB" "$T/pems" <<'PY'
import sqlite3, sys
for serial, pem in sqlite3.connect(sys.argv[1]).execute("SELECT serial, pem FROM certs"):
    open(f"{sys.argv[2]}/{serial}.pem", "w").write(pem)
PY
iot-ca --home "$H" log proof --all >"$T/proofs.jsonl"
[ "$(wc -l <"$T/proofs.jsonl")" = 10006 ] || fail "log proof --all printed $(wc -l <"$T/proofs.jsonl") proofs"
"$PY" "$VERIFY" inclusion-lines "$T/proofs.jsonl" "$T/pems" >"$T/v.out" || fail "an inclusion proof fails"
grep -q "^10006 inclusion proofs OK" "$T/v.out" || fail "verify_log said: $(cat "$T/v.out")"
pass "all 10,006 inclusion proofs verify with the independent script"
LAST=$(q "SELECT serial FROM log_leaves ORDER BY idx DESC LIMIT 1")
iot-ca --home "$H" log proof "$LAST" >"$T/last.json"
"$PY" "$VERIFY" inclusion "$T/last.json" "$T/pems/$LAST.pem" "$T/out2/log-head.json" >/dev/null ||
  fail "the last certificate's proof does not verify against the exported head"
expect_exit 1 "$PY" "$VERIFY" inclusion "$T/last.json" "$T/dev-1.crt"
expect_exit 1 "$PY" "$VERIFY" inclusion "$T/last.json" "$T/pems/$LAST.pem" "$T/out1/log-head.json"
"$PY" - "$T/last.json" "$T/bad.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
h = p["inclusion_path"][3]
p["inclusion_path"][3] = h[:10] + ("0" if h[10] != "0" else "1") + h[11:]
json.dump(p, open(sys.argv[2], "w"))
PY
expect_exit 1 "$PY" "$VERIFY" inclusion "$T/bad.json" "$T/pems/$LAST.pem"
expect_exit 66 iot-ca --home "$H" log proof 0BADC0DE
pass "a proof verifies against its head only, for its certificate only, unchanged only"

# Consistency between three exported heads.
"$FILL" fill "$H" 5 >/dev/null
iot-ca --home "$H" export --out "$T/out3" >/dev/null 2>&1
heads=("$T/out1/log-head.json" "$T/out2/log-head.json" "$T/out3/log-head.json")
size_of() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["tree_size"])' "$1"; }
for pair in "0 1" "1 2" "0 2"; do
  read -r a b <<<"$pair"
  iot-ca --home "$H" log consistency "$(size_of "${heads[$a]}")" "$(size_of "${heads[$b]}")" >"$T/c.json"
  "$PY" "$VERIFY" consistency "$T/c.json" "${heads[$a]}" "${heads[$b]}" >/dev/null ||
    fail "consistency between heads $a and $b does not verify"
done
expect_exit 1 "$PY" "$VERIFY" consistency "$T/c.json" "${heads[1]}" "${heads[2]}"
iot-ca --home "$H" log verify >"$T/ok.out" || fail "log verify fails on a clean home"
grep -q "^log OK: 10011 leaves" "$T/ok.out" || fail "log verify said: $(cat "$T/ok.out")"
pass "consistency proofs between three exported heads verify; log verify passes a clean home"

# Tampering, each on a fresh copy of the home: log verify names it, export refuses it.
tampered() {  # tampered NAME SQL EXPECTED-TEXT
  local name=$1 sql=$2 text=$3
  rm -rf "$T/h" && cp -a "$H" "$T/h"
  sqlite3 "$T/h/registry.db" "$sql"
  expect_exit 65 iot-ca --home "$T/h" log verify
  expect_err_contains "$text"
  cp -a "$T/out3" "$T/before"
  expect_exit 65 iot-ca --home "$T/h" export --out "$T/out3"
  expect_err_contains "$text"
  cmp -s "$T/out3/manifest.json" "$T/before/manifest.json" || fail "$name: export wrote a manifest"
  rm -rf "$T/before"
  pass "$name is detected by log verify and refused by export"
}
tampered "a tampered leaf" "UPDATE log_leaves SET leaf_hash = randomblob(32) WHERE idx = 4000" \
  "leaf 4000 does not match certificate"
tampered "a tampered certificate row" \
  "UPDATE certs SET pem = (SELECT pem FROM certs WHERE serial = '$LAST') WHERE serial = (SELECT serial FROM log_leaves WHERE idx = 17)" \
  "leaf 17 does not match certificate"
tampered "a truncated log" "DELETE FROM log_leaves WHERE idx >= 10000" \
  "the log was truncated"
# A rewritten history: a middle certificate replaced by another and its leaf recomputed
# (every leaf then matches its row); then also the registry's heads recomputed.
rewrite() {  # rewrite DB [heads]
  VERIFY=$VERIFY "$PY" - "$@" <<'PY'
import base64, hashlib, os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
serial, = db.execute("SELECT serial FROM log_leaves WHERE idx = 5000").fetchone()
pem, = db.execute("SELECT pem FROM certs WHERE serial = (SELECT serial FROM log_leaves WHERE idx = 5001)").fetchone()
der = base64.b64decode("".join(pem.split("-----")[2].split()))
db.execute("UPDATE certs SET pem = ? WHERE serial = ?", (pem, serial))
db.execute("UPDATE log_leaves SET leaf_hash = ? WHERE idx = 5000", (hashlib.sha256(b"\x00" + der).digest(),))
if len(sys.argv) > 2:
    sys.path.insert(0, os.path.dirname(os.environ["VERIFY"]))
    from verify_log import mth
    hs = [h for (h,) in db.execute("SELECT leaf_hash FROM log_leaves ORDER BY idx")]
    for seq, size in db.execute("SELECT seq, tree_size FROM log_heads").fetchall():
        db.execute("UPDATE log_heads SET root_hash = ? WHERE seq = ?", (mth(hs[:size]), seq))
db.commit()
PY
}
rm -rf "$T/h" && cp -a "$H" "$T/h"
rewrite "$T/h/registry.db"
expect_exit 65 iot-ca --home "$T/h" log verify
expect_err_contains "leaves no longer match the head exported at"
expect_exit 65 iot-ca --home "$T/h" export --out "$T/out3"
expect_err_contains "log: the registry's first 10006 leaves no longer match the head exported at"
pass "a rewritten history is detected by log verify and refused by export"
rm -rf "$T/h" && cp -a "$H" "$T/h"
rewrite "$T/h/registry.db" heads
expect_exit 65 iot-ca --home "$T/h" log verify
expect_err_contains "differs from the one its journal record holds"
expect_exit 65 iot-ca --home "$T/h" export --out "$T/out3"
pass "a rewritten history with recomputed heads is caught by the journal's export records"
finish
