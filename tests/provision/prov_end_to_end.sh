#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Token → device key and CSR made with the openssl CLI → enroll → the certificate
# verifies against the exported bundle and carries the device id as CN.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
H=$T/pki
new_home "$H"

# The demo's shape: the token on stdout, nothing else there.
iot-provision --home "$H" token --device-id sensor-001 >"$T/tok" 2>"$T/tok.err"
grep -Eq '^iotp_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$' "$T/tok" || fail "token format: $(cat "$T/tok")"
[ "$(wc -l <"$T/tok")" -eq 1 ] || fail "stdout holds more than the token"
grep -q 'shown only this once' "$T/tok.err" || fail "no note on stderr"
pass "token prints iotp_<id>_<secret> once on stdout, notes on stderr"

chmod 600 "$T/tok"
make_device_csr sensor-001 "$T/dev"
iot-provision --home "$H" enroll --token-file "$T/tok" --csr "$T/dev/sensor-001.csr" \
  --out "$T/dev/sensor-001.crt" >"$T/enroll.out" 2>"$T/enroll.err" || fail "enroll: $(cat "$T/enroll.err")"
[ ! -s "$T/enroll.err" ] || fail "unexpected stderr: $(cat "$T/enroll.err")"
B=$(bundle_of "$H")
openssl verify -CAfile "$B" -purpose sslclient "$T/dev/sensor-001.crt" >/dev/null ||
  fail "openssl verify against the exported bundle"
subj=$(openssl x509 -in "$T/dev/sensor-001.crt" -noout -subject -nameopt RFC2253)
case "$subj" in *CN=sensor-001*OU=IoT\ Devices* | *OU=IoT\ Devices*CN=sensor-001*) ;;
  *) fail "subject: $subj" ;; esac
# The certificate is for the device's own key (openssl computes both sides).
[ "$(openssl x509 -in "$T/dev/sensor-001.crt" -noout -pubkey)" = \
  "$(openssl pkey -in "$T/dev/sensor-001.key" -pubout)" ] || fail "public key differs"
pass "enrolled certificate verifies against ca-bundle.pem, CN = device id, device key"

serial=$(openssl x509 -in "$T/dev/sensor-001.crt" -noout -serial | cut -d= -f2)
[ "$(sql "$H" "SELECT serial FROM tokens")" = "$serial" ] || fail "token row lacks the serial"
[ -n "$(sql "$H" "SELECT used_at FROM tokens")" ] || fail "token row lacks used_at"
sql "$H" "SELECT action FROM journal" | grep -qx token.redeem || fail "no token.redeem journal record"
iot-ca --home "$H" journal verify >/dev/null || fail "journal chain broken"
pass "registry records used_at and the serial; the journal records the redemption"

# --token - (stdin), --chain and --json with the SPEC field names.
iot-provision --home "$H" token --device-id sensor-002 --ttl 10m >"$T/tok2" 2>/dev/null
make_device_csr sensor-002 "$T/dev"
iot-provision --home "$H" --json enroll --token - --csr "$T/dev/sensor-002.csr" \
  --out "$T/dev/sensor-002.pem" --chain <"$T/tok2" >"$T/e2.json" || fail "enroll --token -"
$PY - "$T/e2.json" "$serial" <<'PYEOF' || fail "enroll --json fields"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("serial", "device_id", "profile", "subject", "not_before", "not_after", "status", "path"):
    assert k in d, k
assert d["device_id"] == "sensor-002" and d["profile"] == "device" and d["status"] == "active"
assert d["serial"] == d["serial"].upper() and d["serial"] != sys.argv[2]
PYEOF
[ "$(grep -c 'BEGIN CERTIFICATE' "$T/dev/sensor-002.pem")" -eq 3 ] || fail "--chain: leaf+issuing+root"
openssl verify -CAfile "$B" "$T/dev/sensor-002.pem" >/dev/null || fail "verify sensor-002"
pass "enroll --token - reads stdin; --chain appends issuing + root; --json has SPEC fields"

# token --out writes a 0600 file and keeps the token off stdout; --json hides nothing else.
iot-provision --home "$H" --json token --device-id sensor-003 --out "$T/tok3" >"$T/t3.json"
[ "$(file_mode "$T/tok3")" = 600 ] || fail "token file mode $(file_mode "$T/tok3")"
grep -q iotp_ "$T/t3.json" && fail "token --out must not print the token"
expect_exit 73 iot-provision --home "$H" token --device-id sensor-003 --out "$T/tok3"
expect_err_contains "already exists"
pass "token --out writes mode 0600, refuses to overwrite (73), prints no secret"

# list / purge
iot-provision --home "$H" --json list >"$T/list.json"
$PY - "$T/list.json" <<'PYEOF' || fail "list --json"
import json, sys
rows = json.load(open(sys.argv[1]))
st = sorted((r["device_id"], r["status"]) for r in rows)
assert st == [("sensor-001", "used"), ("sensor-002", "used"), ("sensor-003", "pending")], st
assert all("hash" not in r and "token" not in r for r in rows)
PYEOF
[ "$(iot-provision --home "$H" list --pending | wc -l)" -eq 1 ] || fail "list --pending"
[ "$(iot-provision --home "$H" list --used | wc -l)" -eq 2 ] || fail "list --used"
iot-provision --home "$H" token --device-id short-lived --ttl 1s >/dev/null 2>&1
sleep 2
iot-provision --home "$H" list --expired | grep -q short-lived || fail "list --expired"
iot-provision --home "$H" --json purge | grep -q '"purged": 1' || fail "purge count"
[ "$(sql "$H" "SELECT count(*) FROM tokens WHERE device_id='short-lived'")" = 0 ] || fail "purged row"
[ "$(sql "$H" "SELECT count(*) FROM tokens")" = 3 ] || fail "purge touched live or used tokens"
pass "list filters pending/used/expired; purge drops only expired unused tokens"
finish
