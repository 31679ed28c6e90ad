#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# iot-ca journal verify against the registry and an exported manifest (issue 11, item 4):
# a deleted tail (of issue records; of only the last export record, seen with
# --manifest; of the export with its CRL records, seen from the CRL Numbers), a chain
# recomputed after a forgery, a direct SQL un-revocation (also refused by the next
# `iot-revoke crl`), a deleted cert row, a forged row without a record and a reset
# token are each detected and named; a clean home passes, purged tokens included.
# Fails before the fix: /work/wt/baseline/bin's `journal verify` only walks the chain,
# so it passes every one of these (and has no --manifest).
. "$(dirname "$0")/../lib/common.sh"
H=$T/pki
DB=$H/registry.db
RECHAIN=$(cd "$(dirname "$0")" && pwd)/journal_rechain.py
pki_home "$H" i1
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
q() { sqlite3 "$DB" "$@"; }
for i in 1 2 3; do
  make_device_csr "dev-$i" "$T"
  iot-ca --home "$H" sign --csr "$T/dev-$i.csr" --profile device --out "$T/dev-$i.crt" >/dev/null
done
(umask 077 && iot-provision --home "$H" token --device-id dev-4 >"$T/token4" 2>/dev/null)
make_device_csr dev-4 "$T"
iot-provision --home "$H" enroll --token-file "$T/token4" --csr "$T/dev-4.csr" --out "$T/dev-4.crt" >/dev/null
(umask 077 && iot-provision --home "$H" token --device-id dev-5 >"$T/token5" 2>/dev/null)
# A token that expires and is purged: its row is gone, its records account for it.
(umask 077 && iot-provision --home "$H" token --device-id dev-8 --ttl 1s >"$T/token8" 2>/dev/null)
sleep 1.2
[ "$(iot-provision --home "$H" --json purge | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["purged"])')" = 1 ] ||
  fail "purge should drop the expired dev-8 token"
iot-ca --home "$H" export --out "$T/trust1" >/dev/null
S2=$(serial_of "$T/dev-2.crt")
iot-revoke --home "$H" cert "$S2" --reason keyCompromise >/dev/null
iot-revoke --home "$H" crl --out "$T/crl.pem" >/dev/null
iot-ca --home "$H" export --out "$T/trust" >/dev/null
M=$T/trust/manifest.json

iot-ca --home "$H" journal verify >"$T/ok.txt" || fail "a clean home must verify: $(cat "$T/ok.txt")"
# 7: root, issuing, four devices and the publisher certificate the first export made.
grep -q "matches the registry (7 certificates, 1 revoked, 2 tokens" "$T/ok.txt" || fail "summary: $(cat "$T/ok.txt")"
iot-ca --home "$H" journal verify --manifest "$M" --json >"$T/ok.json" || fail "clean --manifest"
"$PY" - "$T/ok.json" "$M" <<'PY' || fail "verify --json of a clean home"
import json, sys
r, m = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert r["ok"] is True and r["problem_count"] == 0 and r["problems"] == [], r
assert r["head"] == m["journal"] and r["manifest"]["journal"] == m["journal"], (r, m)
assert r["checked"]["certs"] == 7 and r["checked"]["revoked"] == 1 and r["checked"]["tokens"] == 2, r
assert r["manifest"]["signature"].startswith("present, not checked"), r  # openssl cms does
PY
# An older manifest is still reached (the journal only grew since).
iot-ca --home "$H" journal verify --manifest "$T/trust1/manifest.json" >/dev/null || fail "older manifest"
pass "a clean home verifies, with the current and an older manifest (a purged token accounted for)"

sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
cp "$DB" "$T/exported.db"
restore() { cp "$T/exported.db" "$DB"; rm -f "$DB-wal" "$DB-shm"; }
last_seq() { q "SELECT max(seq) FROM journal"; }

# 1. Deleted tail of issue records: the certs rows remain without their records.
make_device_csr dev-6 "$T"
make_device_csr dev-7 "$T"
iot-ca --home "$H" sign --csr "$T/dev-6.csr" --profile device --out "$T/dev-6.crt" >/dev/null
iot-ca --home "$H" sign --csr "$T/dev-7.csr" --profile device --out "$T/dev-7.crt" >/dev/null
q "DELETE FROM journal WHERE seq > $(($(last_seq) - 2))"
expect_exit 65 iot-ca --home "$H" journal verify
expect_err_contains "certs row $(serial_of "$T/dev-6.crt"): no journal record issued it"
expect_err_contains "certs row $(serial_of "$T/dev-7.crt"): no journal record issued it"
expect_err_contains "CN=dev-7"
pass "a deleted tail of issue records is named by the certs rows it leaves without a record"
restore

# 2. Only the last record (the export's own) deleted: nothing in the registry shows it;
# the manifest that left the machine does.
N=$(last_seq)
q "DELETE FROM journal WHERE seq = $N"
iot-ca --home "$H" journal verify >/dev/null || fail "without the manifest there is no evidence of it"
expect_exit 65 iot-ca --home "$H" journal verify --manifest "$M"
expect_err_contains "journal record $N (export): the manifest $M"
expect_err_contains "the journal ends at record $((N - 1)): records $N..$N were deleted from its tail"
pass "a deleted last export record is detected with --manifest, naming the seq the manifest vouches for"
restore

# 3. The export and its CRL record deleted (the root's CRL is reused, not re-signed, by
# an export): the CRL Numbers the registry spent show it.
q "DELETE FROM journal WHERE seq > $((N - 2))"
expect_exit 65 iot-ca --home "$H" journal verify
expect_err_contains "crl_numbers row i1: CA i1 has spent CRL Numbers up to 3, but the journal ends at CRL Number 2"
pass "deleted CRL and export records are detected from the CRL Numbers the registry spent"
restore

# 4. Recomputed chain: a forged change (a pending token moved to another device in the
# row and in its record), every hash recomputed by an independent script.
TOK5=$(cut -d_ -f2 "$T/token5")
q "UPDATE tokens SET device_id = 'rogue-1' WHERE id = '$TOK5';
   UPDATE journal SET detail = replace(detail, '\"device_id\":\"dev-5\"', '\"device_id\":\"rogue-1\"')
     WHERE action = 'token.create' AND detail LIKE '%$TOK5%';"
"$PY" "$RECHAIN" "$DB"
iot-ca --home "$H" journal verify >/dev/null || fail "a consistent rewrite is invisible without the manifest"
expect_exit 65 iot-ca --home "$H" journal verify --manifest "$M"
expect_err_contains "journal record $N (export): its hash is "
expect_err_contains "the journal was rewritten (its chain recomputed)"
expect_exit 65 iot-ca --home "$H" journal verify --manifest "$T/trust1/manifest.json"
expect_err_contains "the journal was rewritten"
pass "a recomputed chain is detected against the head each manifest recorded"
restore

# 5. Direct SQL un-revocation: named by journal verify and refused by the next CRL.
q "UPDATE certs SET revoked_at = NULL, reason = NULL WHERE serial = '$S2'"
expect_exit 65 iot-ca --home "$H" journal verify
expect_err_contains "certs $S2: revoked certificate $S2 (keyCompromise, CA i1), but its certs row says it is not revoked"
expect_err_contains "the next CRL of i1 would leave it out"
expect_exit 65 iot-revoke --home "$H" crl --out "$T/crl2.pem"
expect_err_contains "CA i1: the new CRL would list 0 revoked certificates, but CRL Number 3"
expect_err_contains "refusing to sign a CRL that drops it"
[ "$(q "SELECT last FROM crl_numbers WHERE ca = 'i1'")" = 3 ] || fail "the refused CRL spent a number"
expect_exit 65 iot-ca --home "$H" export --out "$T/trust"
expect_err_contains "refusing to sign a CRL that drops it"
iot-ca --home "$H" journal verify --manifest "$M" --json >"$T/unrev.json" 2>/dev/null && fail "--json must exit 65 too"
"$PY" - "$T/unrev.json" "$S2" <<'PY' || fail "verify --json names the un-revoked serial"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is False and r["problem_count"] == 1, r
p = [p for p in r["problems"] if p["table"] == "certs" and p["key"] == sys.argv[2]]
assert p and p[0]["action"] == "revoke" and isinstance(p[0]["seq"], int), r
assert any("no journal record revokes" in x["problem"] or "not revoked" in x["problem"] for x in p), p
PY
pass "a direct SQL un-revocation is named (serial, CA, record) and the next CRL and export refuse it"
restore

# 5b. The same, with the revoke record deleted and the chain recomputed: the CRL that
# listed the serial still counts it.
q "UPDATE certs SET revoked_at = NULL, reason = NULL WHERE serial = '$S2'; DELETE FROM journal WHERE action = 'revoke'"
"$PY" "$RECHAIN" "$DB"
expect_exit 65 iot-ca --home "$H" journal verify
expect_err_contains "CRL Number 2 of CA i1 listed 1 revoked certificates, but the journal records 0 revocations of i1 before it"
expect_exit 65 iot-revoke --home "$H" crl --out "$T/crl2.pem"
pass "an un-revocation hidden by deleting its record and recomputing the chain is still detected"
restore

# 6. A deleted certs row.
S1=$(serial_of "$T/dev-1.crt")
q "DELETE FROM certs WHERE serial = '$S1'"
expect_exit 65 iot-ca --home "$H" journal verify
expect_err_contains "(issue), certs $S1: records the issue of certificate $S1 (CN=dev-1"
expect_err_contains "but the certs table has no row for it (deleted)"
pass "a deleted certs row is named with the record that issued it"
restore

# 7. A forged row without a record (a copy of dev-3's with another serial), and a
# revocation made directly in SQL.
q "INSERT INTO certs SELECT 'AA00FF', device_id, profile, issuer, subject, not_before, not_after,
     issued_at, pem, NULL, NULL FROM certs WHERE serial = '$(serial_of "$T/dev-3.crt")'"
S4=$(serial_of "$T/dev-4.crt")
q "UPDATE certs SET revoked_at = 1700000000, reason = 'superseded' WHERE serial = '$S4'"
expect_exit 65 iot-ca --home "$H" journal verify
expect_err_contains "certs row AA00FF: no journal record issued it (device, "
expect_err_contains "inserted directly, or its record was deleted"
expect_err_contains "certs row $S4: is revoked (superseded, 2023-11-14T22:13:20Z) but no journal record revokes it"
pass "a forged certs row and a revocation without a record are named"
restore

# 8. A redeemed token reset to unused, and an edited certificate PEM.
TOK4=$(cut -d_ -f2 "$T/token4")
q "UPDATE tokens SET used_at = NULL, serial = NULL WHERE id = '$TOK4'"
q "UPDATE certs SET pem = (SELECT pem FROM certs WHERE serial = '$(serial_of "$T/dev-3.crt")') WHERE serial = '$S1'"
expect_exit 65 iot-ca --home "$H" journal verify
expect_err_contains "(token.redeem), tokens $TOK4: redeemed token $TOK4"
expect_err_contains "says it is unused (used_at is NULL)"
expect_err_contains "certs $S1: its certs row holds a certificate (SHA-256 "
pass "a reset token and a replaced certificate PEM are named"
restore

# The manifest is input: bounded, strict, clear on garbage.
expect_exit 66 iot-ca --home "$H" journal verify --manifest "$T/none.json"
printf 'not json' >"$T/bad.json"
expect_exit 65 iot-ca --home "$H" journal verify --manifest "$T/bad.json"
expect_err_contains "$T/bad.json: not JSON"
"$PY" -c "
import json; m = json.load(open('$M')); m['journal']['hash'] = 'ABC'
json.dump(m, open('$T/badhash.json', 'w'))"
expect_exit 65 iot-ca --home "$H" journal verify --manifest "$T/badhash.json"
expect_err_contains '"journal" "hash" is not 64 lowercase hex digits'
"$PY" -c "
import json; m = json.load(open('$M')); m['journal']['seq'] = '7'
json.dump(m, open('$T/badseq.json', 'w'))"
expect_exit 65 iot-ca --home "$H" journal verify --manifest "$T/badseq.json"
expect_err_contains '"journal" "seq" is not an integer of at least 1'
head -c 2000000 /dev/zero | tr '\0' ' ' >"$T/big.json"
expect_exit 65 iot-ca --home "$H" journal verify --manifest "$T/big.json"
expect_err_contains "trust manifest"
expect_exit 66 iot-ca --home "$H" journal verify --manifest "$T"
pass "a missing, non-JSON, wrongly typed or oversized manifest is refused with a clear message"

iot-ca --home "$H" journal verify --manifest "$M" >/dev/null || fail "the restored registry verifies"
finish
