#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live revocation (issue 4): a CRL exported while a keep-alive connection stays open
# applies on that connection without closing it; garbage, foreign-signed and forged
# CRLs are refused with CRL_REJECTED and the last good set is kept; a CRL past
# nextUpdate + crl_grace fails closed and shows in /readyz.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
gw_device dev-1
gw_device dev-2
iot-ca --home "$T/evil" init --cn "Evil Root" --key ec-p256 --no-passphrase >/dev/null
# CRLs are dropped in by hand here, without a manifest (trust_manifest.sh tests that).
GW_CRL_GRACE=10m GW_TRUST_EXTRA="require_manifest = false" gw_config
gw_start_backend
gw_start
T1=$(token_for dev-1)
T2=$(token_for dev-2)
expect_audit CRL_LOADED 1
cp "$GW/trust/crl.pem" "$T/first-crl.pem"

# --- revoke dev-2 and export while dev-1's connection stays open
export IOTPKI_BIN PKIH GW T
S2=$(serial_of "$DEV/dev-2.crt")
between="iot-revoke --home '$PKIH' cert $S2 >/dev/null && iot-ca --home '$PKIH' export --out '$GW/trust' >/dev/null
for i in \$(seq 1 150); do [ \$(grep -c '\"event\":\"CRL_LOADED\"' '$GW/audit.log') -ge 2 ] && exit 0; sleep 0.1; done; exit 1"
"$PY" "$GWT_SRC/keepalive_client.py" "$GW_PORT" "$GW/trust/ca-bundle.pem" "$DEV/dev-1.crt" \
  "$DEV/dev-1.key" "$between" "$T1" "$T2" >"$T/ka.out" || fail "keep-alive client: $(cat "$T/ka.out")"
[ "$(cat "$T/ka.out")" = "$(printf '200 -\n401 JWT_REVOKED\n200 -\nsame-connection')" ] ||
  fail "keep-alive run: $(cat "$T/ka.out")"
expect_audit CRL_LOADED 2
pass "new CRL exported while a keep-alive connection is open: the connection keeps working and dev-2's token is refused on it at once (JWT_REVOKED)"

expect_refused 401 CERT_REVOKED dev_curl dev-2 -X POST "$(URL /auth/token)"
pass "the revoked device gets no new token"

# Replaces crl.pem atomically, as iot-ca export does, and waits for the verdict.
drop_crl() {
  cp "$1" "$GW/trust/.crl.tmp"
  mv "$GW/trust/.crl.tmp" "$GW/trust/crl.pem"
}
cp "$GW/trust/crl.pem" "$T/good-crl.pem"

head -c 3000 /dev/urandom >"$T/garbage.pem"
drop_crl "$T/garbage.pem"
wait_crl_event CRL_REJECTED 1
expect_refused 401 CERT_REVOKED dev_curl dev-2 -X POST "$(URL /auth/token)"
expect_invalid_token JWT_REVOKED dev_curl dev-2 -H "Authorization: Bearer $T2" "$(URL /api/x)"
expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $T1" "$(URL /api/x)"
expect_status 200 gw_curl "$(URL /readyz)"
pass "garbage CRL -> CRL_REJECTED, the last good set is kept: dev-2 still refused, dev-1 served, still ready"

"$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$T/evil/root/ca.crt" --ca-key "$T/evil/root/ca.key" --out "$T/foreign.pem"
drop_crl "$T/foreign.pem"
wait_crl_event CRL_REJECTED 2
last_audit CRL_REJECTED | grep -q "not in the bundle" || fail "foreign CRL reason: $(last_audit CRL_REJECTED)"
# Our root's name, the attacker's key: an empty CRL that would un-revoke everything.
"$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$PKIH/root/ca.crt" --ca-key "$T/evil/root/ca.key" --out "$T/forged.pem"
"$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$PKIH/issuing/iss1/ca.crt" --ca-key "$T/evil/root/ca.key" --out "$T/forged2.pem"
cat "$T/forged.pem" "$T/forged2.pem" >"$T/forged-both.pem"
drop_crl "$T/forged-both.pem"
wait_crl_event CRL_REJECTED 3
last_audit CRL_REJECTED | grep -q "signature does not verify" || fail "forged CRL reason: $(last_audit CRL_REJECTED)"
expect_refused 401 CERT_REVOKED dev_curl dev-2 -X POST "$(URL /auth/token)"
pass "a CRL from a foreign CA and one forged in our CA's name -> CRL_REJECTED; dev-2 stays revoked"

# An older, validly signed CRL put back (dev-2 not yet revoked): a rollback, refused.
cp "$T/first-crl.pem" "$T/rollback.pem"
drop_crl "$T/rollback.pem"
wait_crl_event CRL_REJECTED 4
last_audit CRL_REJECTED | grep -q "went back" || fail "rollback reason: $(last_audit CRL_REJECTED)"
expect_refused 401 CERT_REVOKED dev_curl dev-2 -X POST "$(URL /auth/token)"
pass "an older CRL put back in place (lower CRL Number) -> CRL_REJECTED as a rollback; dev-2 stays revoked"

# A CRL signed by the right CAs but past nextUpdate + crl_grace (10 min): fail closed.
"$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$PKIH/root/ca.crt" --ca-key "$PKIH/root/ca.key" --hours -1 \
  --number 1000 --out "$T/s1.pem"
"$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$PKIH/issuing/iss1/ca.crt" --ca-key "$PKIH/issuing/iss1/ca.key" \
  --revoke "$S2" --hours -1 --number 1000 --out "$T/s2.pem"
cat "$T/s1.pem" "$T/s2.pem" >"$T/stale.pem"
drop_crl "$T/stale.pem"
wait_crl_event CRL_STALE 1
expect_status 503 gw_curl "$(URL /readyz)"
grep -q '"crl_fresh":false' "$T/body" || fail "readyz body: $(cat "$T/body")"
expect_refused 503 CRL_STALE dev_curl dev-1 -X POST "$(URL /auth/token)"
expect_status 503 dev_curl dev-1 -H "Authorization: Bearer $T1" "$(URL /api/x)"
pass "CRL past nextUpdate + crl_grace -> CRL_STALE, /readyz 503, tokens and API refused (fail closed)"

"$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$PKIH/root/ca.crt" --ca-key "$PKIH/root/ca.key" \
  --number 1001 --out "$T/f1.pem"
"$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$PKIH/issuing/iss1/ca.crt" --ca-key "$PKIH/issuing/iss1/ca.key" \
  --revoke "$S2" --number 1001 --out "$T/f2.pem"
cat "$T/f1.pem" "$T/f2.pem" >"$T/fresh.pem"
drop_crl "$T/fresh.pem"
wait_crl_event CRL_LOADED 4
expect_status 200 gw_curl "$(URL /readyz)"
expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $T1" "$(URL /api/x)"
pass "a fresh CRL brings the gateway back to ready"

expect_status 401 dev_curl dev-2 -H "Authorization: Bearer $T2" "$(URL /api/x)"
expect_audit CRL_REJECTED 4
expect_audit CRL_LOADED 4
gw_stop
expect_exit 0 iot-gateway audit verify "$GW/audit.log"
finish
