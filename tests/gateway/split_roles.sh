#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An offline root (issue 11 items 1-2): the issuing CA is made in the gateway's PKI home
# from a CSR the root home signs; the root key then leaves the machine. Devices
# enrolled by iot-provision there are served; an export and a gateway reload happen
# with no root key anywhere (the root CRL reused, its CRL Number unchanged); a stale
# CRL is audited naming WHICH CA's CRL it is, per CRL.
# Fails before the change: the baseline has no issuing-request (and export needs the
# root key, exit 66).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

ROOT=$T/root-home
pki_home "$ROOT"
mkdir -p "$PKIH" "$GW" "$DEV" && chmod 700 "$PKIH"
printf '[argon2]\nt_cost = 1\nm_cost_kib = 8192\n' >"$PKIH/iot-pki.toml"
ca issuing-request --name fac1 --cn "Factory 1" --key ec-p256 --no-passphrase >/dev/null 2>&1 ||
  fail "issuing-request"
iot-ca --home "$ROOT" intermediate --name fac1 --csr "$PKIH/issuing/fac1/ca.csr" --out "$T/fac1.crt" \
  >/dev/null || fail "root signs the CSR"
iot-revoke --home "$ROOT" crl --ca root --out "$T/root-crl.pem" >/dev/null || fail "root CRL"
ca publisher --request --out "$T/pub.csr" --no-passphrase >/dev/null || fail "publisher request"
iot-ca --home "$ROOT" publisher --csr "$T/pub.csr" --out "$T/pub.crt" >/dev/null || fail "root signs the publisher"
# The ceremony is over: the root key leaves the machine (kept here only to forge a
# stale root CRL below).
mv "$ROOT/root/ca.key" "$T/offline-root.key"
ca issuing-import --name fac1 --cert "$T/fac1.crt" --root "$ROOT/root/ca.crt" \
  --root-crl "$T/root-crl.pem" >/dev/null || fail "issuing-import"
ca publisher --import "$T/pub.crt" >/dev/null || fail "publisher import"
[ ! -e "$PKIH/root/ca.key" ] && [ ! -e "$ROOT/root/ca.key" ] || fail "a root key on the machine"

pki_server_cert "$PKIH" "$GW"
gw_export
iot-gateway jwt-key new --dir "$GW/jwt" >/dev/null
# The staleness cases below put hand-made CRLs into trust/ (no manifest vouches for
# them): the signed manifest is tested in trust_manifest.sh.
GW_CRL_GRACE=10m GW_TRUST_EXTRA="require_manifest = false" gw_config
gw_start_backend
gw_start
expect_audit CRL_LOADED 1
root_no() { csplit -s -z -f "$T/part" "$GW/trust/crl.pem" '/-----BEGIN X509 CRL-----/' '{*}' &&
  openssl crl -in "$T/part00" -noout -crlnumber; }
first_root=$(root_no)

enroll() {
  (umask 077 && iot-provision --home "$PKIH" token --device-id "$1" >"$T/$1.tok" 2>/dev/null)
  make_device_csr "$1" "$DEV"
  iot-provision --home "$PKIH" enroll --token-file "$T/$1.tok" --csr "$DEV/$1.csr" \
    --out "$DEV/$1.crt" >/dev/null 2>&1 || fail "enroll $1"
}
enroll meter-1
enroll meter-2
openssl verify -CAfile "$ROOT/root/ca.crt" -untrusted "$PKIH/issuing/fac1/ca.crt" "$DEV/meter-1.crt" \
  >/dev/null || fail "openssl verify of the device chain"
T1=$(token_for meter-1)
expect_status 200 dev_curl meter-1 -H "Authorization: Bearer $T1" "$(URL /api/x)"
pass "an issuing CA made from a CSR in this home, signed by the root home: iot-provision devices get tokens and API access"

# --- revoke, export and reload with no root key on the machine
iot-revoke --home "$PKIH" device meter-2 >/dev/null
gw_export
wait_crl_event CRL_LOADED 2
expect_refused 401 CERT_REVOKED dev_curl meter-2 -X POST "$(URL /auth/token)"
expect_status 200 dev_curl meter-1 -H "Authorization: Bearer $T1" "$(URL /api/x)"
[ "$(root_no)" = "$first_root" ] || fail "root CRL re-signed: $first_root -> $(root_no)"
pass "export and gateway reload with no root key file: meter-2 refused, meter-1 served, root CRL Number unchanged ($first_root)"

# --- staleness per CRL, the audit naming the CA
csplit -s -z -f "$T/cur" "$GW/trust/crl.pem" '/-----BEGIN X509 CRL-----/' '{*}'
# The reloader's CRL_STALE record for CA $1 (the refused requests log their own).
wait_stale_named() {
  for _ in $(seq 1 150); do
    grep '"event":"CRL_STALE"' "$GW/audit.log" | grep -F "vouches for" | grep -qF "$1" && return 0
    sleep 0.1
  done
  fail "no CRL_STALE naming $1 within 15 s: $(grep CRL_STALE "$GW/audit.log" | tail -2)"
}
drop_crl() {
  cp "$1" "$GW/trust/.crl.tmp"
  mv "$GW/trust/.crl.tmp" "$GW/trust/crl.pem"
}
"$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$ROOT/root/ca.crt" --ca-key "$T/offline-root.key" --hours -1 \
  --number 1000 --out "$T/root-stale.pem"
cat "$T/root-stale.pem" "$T/cur01" >"$T/stale1.pem"
drop_crl "$T/stale1.pem"
wait_stale_named "CN=Test Root"
expect_refused 503 CRL_STALE dev_curl meter-1 -X POST "$(URL /auth/token)"
pass "a stale root CRL (fresh issuing CRL beside it): CRL_STALE names the root, devices refused (503)"

S2=$(serial_of "$DEV/meter-2.crt")
"$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$ROOT/root/ca.crt" --ca-key "$T/offline-root.key" \
  --number 1001 --hours 48 --out "$T/root-fresh.pem"
"$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$PKIH/issuing/fac1/ca.crt" --ca-key "$PKIH/issuing/fac1/ca.key" \
  --revoke "$S2" --hours -1 --number 1000 --out "$T/fac1-stale.pem"
cat "$T/root-fresh.pem" "$T/fac1-stale.pem" >"$T/stale2.pem"
drop_crl "$T/stale2.pem"
wait_stale_named "CN=Factory 1"
[ "$(grep '"event":"CRL_STALE"' "$GW/audit.log" | grep -F "vouches for" | grep -cF "CN=Test Root")" = 1 ] ||
  fail "the root's stale CRL audited more than once"
expect_refused 503 CRL_STALE dev_curl meter-1 -X POST "$(URL /auth/token)"
pass "then a fresh root CRL and a stale issuing CRL: CRL_STALE names Factory 1 (each CRL on its own nextUpdate + grace)"
gw_stop
finish
