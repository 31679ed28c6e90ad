#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# iot-revoke cert / device / list / crl: results, JSON, exit codes, and that a
# refused command leaves the registry and the output directory as they were.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/revoke_lib.bash"
H=$T/pki
OUT=$T/out
mkdir -p "$OUT" "$T/dev"
pki_home "$H" iss1
R() { iot-revoke --home "$H" "$@"; }
issue() {  # issue ID [FILE-TAG]: a device certificate signed by the enrollment CA
  local id=$1 tag=${2:-$1}
  make_device_csr "$id" "$T/dev"
  iot-ca --home "$H" sign --csr "$T/dev/$id.csr" --profile device --out "$T/dev/$tag.crt" >/dev/null
  openssl x509 -in "$T/dev/$tag.crt" -noout -serial | cut -d= -f2
}
q() { sqlite3 "$H/registry.db" "$1"; }
snapshot() {
  {
    q "SELECT serial, revoked_at, reason FROM certs ORDER BY serial; SELECT count(*) FROM journal;
       SELECT * FROM crl_numbers ORDER BY ca;"
    find "$OUT" "$H" -type f ! -name 'registry.db*' -printf '%P %s\n' | sort
  } | sha256sum
}
unchanged() {  # unchanged NAME [usage]: nothing changed since the last `before=$(snapshot)`
  [ "$(snapshot)" = "$before" ] || fail "$1: the registry or the output directory changed"
  # One line naming the problem; the CLI frame adds a "Run --help" hint to usage errors.
  local lines=1
  [ "${2:-}" = usage ] && lines=2
  [ "$(wc -l <"$T/last.err")" -eq "$lines" ] || fail "$1: the message should be one line: $(cat "$T/last.err")"
  pass "$1"
}
RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

A=$(issue dev-a)
B=$(issue dev-b)
C1=$(issue dev-c dev-c1)
C2=$(issue dev-c dev-c2)
D=$(issue dev-d)

# --- cert
expect_exit 0 R --json cert "$A" --reason keyCompromise
$PY - "$T/last.out" "$A" "$RFC3339" <<'PYEOF' || fail "cert --json"
import json, re, sys
doc = json.load(open(sys.argv[1]))
assert doc["serial"] == sys.argv[2], doc
assert doc["device_id"] == "dev-a" and doc["status"] == "revoked", doc
assert doc["reason"] == "keyCompromise", doc
assert re.match(sys.argv[3], doc["revoked_at"]), doc
PYEOF
[ "$(q "SELECT reason FROM certs WHERE serial='$A' AND revoked_at IS NOT NULL")" = keyCompromise ] ||
  fail "registry row not revoked"
pass "cert SERIAL --reason revokes it and prints the SPEC's JSON fields"

lower=$(printf '%s' "$B" | tr 'A-F' 'a-f')
expect_exit 0 R cert "$lower"
grep -q "revoked $B" "$T/last.out" || fail "lowercase serial: $(cat "$T/last.out")"
[ "$(q "SELECT reason FROM certs WHERE serial='$B'")" = unspecified ] || fail "default reason"
pass "a lowercase serial is accepted and the default reason is unspecified"

before=$(snapshot)
expect_exit 65 R cert "$A" --reason superseded
expect_err_contains "already revoked"
unchanged "revoking an already revoked serial exits 65 and keeps the first revocation"

expect_exit 65 R cert 0123456789ABCDEF
expect_err_contains "unknown serial"
unchanged "revoking an unknown serial exits 65 and changes nothing"

expect_exit 65 R cert "not-a-serial"
expect_err_contains "invalid serial"
unchanged "a serial that is not hex exits 65"

expect_exit 2 R cert "$D" --reason stolen
expect_err_contains "unknown revocation reason"
unchanged "an unknown reason is a usage error (2) and revokes nothing"

ROOT=$(openssl x509 -in "$H/root/ca.crt" -noout -serial | cut -d= -f2)
expect_exit 65 R cert "$ROOT"
expect_err_contains "root CA"
unchanged "the root CA's own certificate cannot be revoked (65)"

# --- device
expect_exit 0 R --json device dev-c --reason cessationOfOperation
$PY - "$T/last.out" "$C1" "$C2" <<'PYEOF' || fail "device --json"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["device_id"] == "dev-c", doc
assert sorted(r["serial"] for r in doc["revoked"]) == sorted(sys.argv[2:4]), doc
assert all(r["reason"] == "cessationOfOperation" for r in doc["revoked"]), doc
PYEOF
[ "$(q "SELECT count(*) FROM certs WHERE device_id='dev-c' AND revoked_at IS NOT NULL")" = 2 ] ||
  fail "both certificates of dev-c revoked"
pass "device ID revokes every active certificate of the device"

before=$(snapshot)
expect_exit 65 R device dev-c
expect_err_contains "no active certificate"
unchanged "revoking a device with nothing active exits 65"
expect_exit 65 R device no-such-device
expect_err_contains "unknown device"
unchanged "revoking an unknown device exits 65"
expect_exit 65 R device 'bad"id'
expect_err_contains "invalid device id"
unchanged "a device id with a quote exits 65"
expect_exit 65 R device "$(printf 'x%.0s' $(seq 65))"
unchanged "a 65-character device id exits 65"

# --- list
expect_exit 0 R --json list
$PY - "$T/last.out" "$RFC3339" "$A" "$B" "$C1" "$C2" <<'PYEOF' || fail "list --json"
import json, re, sys
doc = json.load(open(sys.argv[1]))
assert isinstance(doc, list) and len(doc) == 4, doc
assert sorted(r["serial"] for r in doc) == sorted(sys.argv[3:7]), doc
for r in doc:
    for k in ("serial", "device_id", "reason", "revoked_at", "status"):
        assert k in r, (k, r)
    assert re.match(sys.argv[2], r["revoked_at"]), r
    assert r["status"] == "revoked"
PYEOF
expect_exit 0 R list
[ "$(grep -c . "$T/last.out")" = 4 ] || fail "human list: $(cat "$T/last.out")"
pass "list shows the revoked certificates (--json: serial, device_id, reason, revoked_at RFC 3339)"

# --- crl
expect_exit 0 R --json crl --out "$OUT/iss1.pem"
$PY - "$T/last.out" <<'PYEOF' || fail "crl --json"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["ca"] == "iss1" and doc["crl_number"] == 1 and doc["entries"] == 4, doc
assert doc["format"] == "pem", doc
PYEOF
openssl crl -in "$OUT/iss1.pem" -noout -verify -CAfile "$H/issuing/iss1/ca.crt" 2>&1 | grep -q "verify OK" ||
  fail "openssl crl -verify"
[ "$(openssl crl -in "$OUT/iss1.pem" -noout -text | grep -c 'Serial Number')" = 4 ] || fail "4 entries"
pass "crl defaults to the enrollment signer (iss1) and lists its 4 revocations"

expect_exit 0 R crl --out "$OUT/iss1.pem"
[ "$(crl_number "$OUT/iss1.pem")" = 02 ] || fail "second CRL number: $(crl_number "$OUT/iss1.pem")"
expect_exit 0 R crl --ca root --out "$OUT/root.der" --format der --days 30
openssl crl -in "$OUT/root.der" -inform DER -noout -verify -CAfile "$H/root/ca.crt" 2>&1 | grep -q "verify OK" ||
  fail "root DER CRL"
[ "$(crl_number "$OUT/root.der" DER)" = 01 ] || fail "root's numbers are its own"
$PY - "$OUT/root.der" <<'PYEOF' || fail "--days 30"
import sys
from cryptography import x509
crl = x509.load_der_x509_crl(open(sys.argv[1], "rb").read())
assert (crl.next_update - crl.last_update).total_seconds() == 30 * 86400
assert len(crl) == 0
PYEOF
expect_exit 0 R crl --out "$OUT/iss1.pem"
[ "$(crl_number "$OUT/iss1.pem")" = 03 ] || fail "third CRL number"
pass "CRL numbers increase per CA across runs; --ca root, --format der, --days work"

before=$(snapshot)
expect_exit 66 R crl --ca nosuch --out "$OUT/x.pem"
expect_err_contains "no issuing CA named"
unchanged "crl --ca with an unknown CA exits 66 and writes nothing"
expect_exit 73 R crl --out "$T/missing-dir/x.pem"
expect_err_contains "not a directory"
unchanged "crl into a missing directory exits 73 and spends no CRL number"
expect_exit 73 R crl --out "$OUT"
unchanged "crl onto a directory exits 73"
expect_exit 2 R crl --out "$OUT/x.pem" --days 0
unchanged "crl --days 0 is a usage error" usage
expect_exit 2 R crl --out "$OUT/x.pem" --format txt
unchanged "crl --format txt is a usage error" usage
touch "$T/afile"
expect_exit 73 iot-ca --home "$H" export --out "$T/afile"
unchanged "export onto a file exits 73"

# A CRL that cannot be built (a registry row with a reason no CRL can carry): export
# fails before any file is written, spends no CRL number, and the previous set stays.
expect_exit 0 iot-ca --home "$H" export --out "$OUT/trust"
q "UPDATE certs SET reason = 'bogus' WHERE serial = '$A'"
before=$(snapshot)
# Every file of the set, the DER copies under crl/ and ca/ included.
trust_sum() { find "$OUT/trust" -type f ! -name '.*' -print0 | sort -z | xargs -0 cat | sha256sum; }
trust_before=$(trust_sum)
expect_exit 65 iot-ca --home "$H" export --out "$OUT/trust"
expect_err_contains "unknown revocation reason"
[ "$(trust_sum)" = "$trust_before" ] || fail "failed export changed the files"
unchanged "an export whose CRL cannot be built exits 65, keeps the previous files, spends no number"
q "UPDATE certs SET reason = 'keyCompromise' WHERE serial = '$A'"

expect_exit 66 iot-revoke --home "$T/nohome" list
expect_err_contains "does not exist"
pass "a missing home exits 66"
expect_exit 0 iot-revoke --version
expect_exit 0 iot-revoke crl --help
grep -q -- "--passphrase-file" "$T/last.out" || fail "crl --help"
pass "--version and --help work"

# --- an encrypted CA key: --passphrase-file, and a wrong passphrase (77)
H2=$T/pki2
printf 'correct horse battery staple\n' >"$T/pass"
printf 'wrong\n' >"$T/wrong"
chmod 600 "$T/pass" "$T/wrong"
iot-ca --home "$H2" init --cn "Encrypted Root" --key ec-p256 --passphrase-file "$T/pass" >/dev/null
expect_exit 0 iot-revoke --home "$H2" crl --out "$OUT/enc.pem" --passphrase-file "$T/pass"
openssl crl -in "$OUT/enc.pem" -noout -verify -CAfile "$H2/root/ca.crt" 2>&1 | grep -q "verify OK" ||
  fail "encrypted-key CRL"
rm -f "$OUT/enc.pem"
expect_exit 77 iot-revoke --home "$H2" crl --out "$OUT/enc.pem" --passphrase-file "$T/wrong"
[ ! -e "$OUT/enc.pem" ] || fail "wrong passphrase left a file"
[ "$(sqlite3 "$H2/registry.db" "SELECT last FROM crl_numbers WHERE ca='root'")" = 1 ] ||
  fail "wrong passphrase spent a CRL number"
# Export reuses the root CRL that iot-revoke crl kept in the home; without it, it must
# sign one and so open the root key.
rm "$H2/root/crl.pem"
expect_exit 77 iot-ca --home "$H2" export --out "$OUT/enc-export" --passphrase-file "$T/wrong"
[ ! -e "$OUT/enc-export/crl.pem" ] || fail "wrong passphrase: export wrote"
pass "an encrypted CA key works with --passphrase-file; a wrong one exits 77, no file, no number"

expect_exit 0 iot-ca --home "$H" journal verify
pass "the CA journal verifies after every revocation command"
finish
