#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The CA journal's hash chain: intact after every command; an edited, a deleted and a
# reordered record are each detected and named.
. "$(dirname "$0")/../lib/common.sh"
H=$T/pki
pki_home "$H" i1
for i in 1 2 3; do
  make_device_csr "dev-$i" "$T"
  iot-ca --home "$H" sign --csr "$T/dev-$i.csr" --profile device --out "$T/dev-$i.crt" >/dev/null
done
(umask 077 && iot-provision --home "$H" token --device-id dev-4 >"$T/token")
make_device_csr dev-4 "$T"
iot-provision --home "$H" enroll --token-file "$T/token" --csr "$T/dev-4.csr" --out "$T/dev-4.crt" >/dev/null
iot-provision --home "$H" list >/dev/null
iot-ca --home "$H" list >/dev/null
iot-ca --home "$H" show "$(openssl x509 -in "$T/dev-1.crt" -noout -serial | cut -d= -f2)" >/dev/null
iot-ca --home "$H" export --out "$T/trust" >/dev/null
iot-revoke --home "$H" cert "$(openssl x509 -in "$T/dev-2.crt" -noout -serial | cut -d= -f2)" --reason keyCompromise >/dev/null
iot-revoke --home "$H" device dev-3 >/dev/null
iot-revoke --home "$H" crl --out "$T/crl.pem" >/dev/null
iot-ca --home "$H" export --out "$T/trust" >/dev/null

iot-ca --home "$H" journal verify --json >"$T/verify.json"
records=$($PY -c "import json; print(json.load(open('$T/verify.json'))['records'])")
[ "$records" -ge 7 ] || fail "expected at least 7 journal records, got $records"
pass "journal verify passes after every command ($records records)"

# No secret and no key material in the journal.
if sqlite3 "$H/registry.db" "SELECT detail FROM journal" | grep -q "PRIVATE KEY"; then fail "key in journal"; fi

cp "$H/registry.db" "$T/good.db"
restore() { cp "$T/good.db" "$H/registry.db"; rm -f "$H/registry.db-wal" "$H/registry.db-shm"; }
sqlite3 "$H/registry.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
cp "$H/registry.db" "$T/good.db"

sqlite3 "$H/registry.db" "UPDATE journal SET detail = replace(detail, 'dev-1', 'dev-9') WHERE seq = 3"
expect_exit 65 iot-ca --home "$H" journal verify
expect_err_contains "journal record 3"
expect_err_contains "edited"
pass "an edited record is named"
restore

sqlite3 "$H/registry.db" "DELETE FROM journal WHERE seq = 4"
expect_exit 65 iot-ca --home "$H" journal verify
expect_err_contains "journal record 5"
expect_err_contains "deleted"
pass "a deleted record is detected at the record after it"
restore

# Reorder: swap the contents of records 2 and 3 (keeping their seq numbers).
sqlite3 "$H/registry.db" <<'SQL'
BEGIN;
UPDATE journal SET seq = -2 WHERE seq = 2;
UPDATE journal SET seq = 2 WHERE seq = 3;
UPDATE journal SET seq = 3 WHERE seq = -2;
COMMIT;
SQL
expect_exit 65 iot-ca --home "$H" journal verify
expect_err_contains "journal record 2"
pass "a reordered record is named"
restore
iot-ca --home "$H" journal verify >/dev/null || fail "restored journal should verify"

# journal show: every record as one JSON line, enough to recompute the chain with no
# project code (SHA-256 over length-prefixed seq, ts, action, detail, prev).
n=$(iot-ca --home "$H" --json journal verify | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["records"])')
iot-ca --home "$H" journal show >"$T/journal.jsonl"
[ "$(wc -l <"$T/journal.jsonl")" = "$n" ] || fail "journal show: $(wc -l <"$T/journal.jsonl") lines for $n records"
"$PY" - "$T/journal.jsonl" <<'PY' || fail "journal show does not recompute"
import hashlib, json, sys
prev = ""
for i, line in enumerate(open(sys.argv[1]), 1):
    r = json.loads(line)
    assert r["seq"] == i and r["prev"] == prev, r
    fields = [str(r["seq"]), str(r["ts_unix"]), r["action"], r["detail"], r["prev"]]
    enc = "".join(f"{len(f.encode())}:{f}," for f in fields).encode()
    assert hashlib.sha256(enc).hexdigest() == r["hash"], ("hash", r)
    assert r["ts"].endswith("Z") and isinstance(json.loads(r["detail"]), dict), r
    prev = r["hash"]
PY
iot-ca --home "$H" journal show --since 3 >"$T/since.jsonl"
[ "$(wc -l <"$T/since.jsonl")" = $((n - 2)) ] && head -1 "$T/since.jsonl" | grep -q '"seq":3,' ||
  fail "journal show --since 3: $(head -1 "$T/since.jsonl")"
expect_exit 2 iot-ca --home "$H" journal show --since 0
pass "journal show prints every record as a JSON line an independent script re-hashes"
finish
