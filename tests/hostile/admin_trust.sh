#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Class: one trust decision for every route (issue 9 item 5, issue 10 item 1).
# /admin/*, /auth/token and /api/* must refuse a peer for the same reasons: any
# certificate of its chain revoked by a CRL or denied by an admin, or stale CRLs.
#   1. admin deny list: (b) an admin's own serial, (c) a device, every spelling of a
#      serial, (a) the issuing CA's serial -> every route refuses every certificate
#      under it, admins included;
#   2. the issuing CA revoked by the root's CRL -> the same for the three routes;
#   3. stale CRLs -> all three routes refuse (503 CRL_STALE), admins included.
# Fails before the fix: after /admin/revoke of the issuing CA's serial, an admin under
# that CA still got 200 on /admin/revoke (the admin route only looked at the leaf's own
# serial), "0x…"/"aa:bb" spellings were refused with 400, and /admin/* ignored stale
# CRLs (200 instead of 503).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../gateway/lib.sh"

gw_pki
ca intermediate --name iss2 --cn "Issuing 2" --key ec-p256 --no-passphrase >/dev/null 2>&1
ca intermediate --name iss3 --cn "Issuing 3" --key ec-p256 --no-passphrase >/dev/null 2>&1
gw_export
for d in dev-1 dev-2; do gw_device "$d"; done
gw_device op-1 admin
gw_device op-2 admin
gw_device op-9 admin iss2
gw_device dev-9 device iss2
gw_device op-3 admin iss3
gw_device dev-4 device iss3
gw_device dev-5 device iss3
# Section 3 drops hand-made (stale) CRLs in, without a manifest.
GW_RELOAD=1s GW_CRL_GRACE=10m GW_TRUST_EXTRA="require_manifest = false" gw_config
gw_start_backend
gw_start

ISS1=$(serial_of "$PKIH/issuing/iss1/ca.crt")
ISS2=$(serial_of "$PKIH/issuing/iss2/ca.crt")
T1=$(token_for dev-1)
T2=$(token_for dev-2)
T9=$(token_for dev-9)
T4=$(token_for dev-4)

admin_revoke() {  # admin_revoke ADMIN SERIAL_TEXT: prints the status
  http_status dev_curl "$1" -X POST -d "{\"serial\":\"$2\",\"reason\":\"keyCompromise\"}" \
    "$(URL /admin/revoke)"
}
admin_deny_jti() {  # admin_deny_jti ADMIN: prints the status
  http_status dev_curl "$1" -X POST -d '{"jti":"some-jti","exp":4102444800}' "$(URL /admin/deny-jti)"
}
# expect_admin_refused WANT_STATUS EVENT ADMIN: both admin endpoints refuse this admin.
expect_admin_refused() {
  local want=$1 event=$2 who=$3 before got
  before=$(audit_count "$event")
  got=$(admin_revoke "$who" 0A)
  [ "$got" = "$want" ] || fail "$who on /admin/revoke: HTTP $got (want $want): $(cat "$T/body")"
  grep -q "$event" "$T/body" || fail "$who on /admin/revoke: body $(cat "$T/body")"
  got=$(admin_deny_jti "$who")
  [ "$got" = "$want" ] || fail "$who on /admin/deny-jti: HTTP $got (want $want): $(cat "$T/body")"
  expect_audit "$event" $((before + 2))
}
lower() { tr 'A-F' 'a-f' <<<"$1"; }
colons() { sed 's/../&:/g; s/:$//' <<<"$1"; }

# --- 1. the admin deny list
[ "$(admin_revoke op-2 "$(serial_of "$DEV/op-2.crt")")" = 200 ] || fail "op-2 revoking itself"
expect_admin_refused 403 ADMIN_DENIED op-2
last_audit ADMIN_DENIED | grep -q '"device_id":"op-2"' || fail "ADMIN_DENIED: $(last_audit ADMIN_DENIED)"
pass "(b) an admin whose own serial is denied is refused on /admin/revoke and /admin/deny-jti (403 ADMIN_DENIED)"

[ "$(admin_revoke op-1 "$(serial_of "$DEV/dev-2.crt")")" = 200 ] || fail "op-1 revoking dev-2"
expect_refused 401 CERT_REVOKED dev_curl dev-2 -X POST "$(URL /auth/token)"
expect_invalid_token JWT_REVOKED dev_curl dev-2 -H "Authorization: Bearer $T2" "$(URL /api/x)"
pass "(c) a denied device is refused on /auth/token (CERT_REVOKED) and /api/* (JWT_REVOKED)"

[ "$(admin_revoke op-9 "$ISS1")" = 200 ] || fail "op-9 revoking the issuing CA iss1: $(cat "$T/body")"
expect_admin_refused 403 ADMIN_DENIED op-1
last_audit ADMIN_DENIED | grep -q "issuing CA $ISS1" || fail "reason: $(last_audit ADMIN_DENIED)"
expect_refused 401 CERT_REVOKED dev_curl dev-1 -X POST "$(URL /auth/token)"
expect_invalid_token JWT_REVOKED dev_curl dev-1 -H "Authorization: Bearer $T1" "$(URL /api/x)"
[ "$(admin_deny_jti op-9)" = 200 ] || fail "op-9 (other CA) refused"
expect_status 200 dev_curl dev-9 -H "Authorization: Bearer $T9" "$(URL /api/x)"
pass "(a) issuing CA denied by an admin: its admin op-1 gets 403 on both admin endpoints, dev-1 401 on /auth/token and /api/*; iss2's admin and devices unaffected"

S5=$(serial_of "$DEV/dev-5.crt")
got=$(admin_revoke op-3 "0x00$(colons "$(lower "$S5")")")
[ "$got" = 200 ] || fail "serial spelled 0x00aa:bb:…: HTTP $got $(cat "$T/body")"
grep -q "\"serial\":\"$S5\"" "$T/body" || fail "normalised serial: $(cat "$T/body")"
expect_refused 401 CERT_REVOKED dev_curl dev-5 -X POST "$(URL /auth/token)"
pass "a serial spelled 0x + leading zeros + lower case + colons denies the same certificate"

# --- 2. the issuing CA revoked by the root's CRL (real tools: iot-revoke + iot-ca export)
loaded=$(audit_count CRL_LOADED)
revoke cert "$ISS2" --reason cACompromise >/dev/null
gw_export
wait_crl_event CRL_LOADED $((loaded + 1))
expect_admin_refused 403 ADMIN_DENIED op-9
last_audit ADMIN_DENIED | grep -q "issuing CA $ISS2 is revoked" || fail "reason: $(last_audit ADMIN_DENIED)"
expect_refused 401 CERT_REVOKED dev_curl dev-9 -X POST "$(URL /auth/token)"
expect_invalid_token JWT_REVOKED dev_curl dev-9 -H "Authorization: Bearer $T9" "$(URL /api/x)"
[ "$(admin_deny_jti op-3)" = 200 ] || fail "op-3 (iss3) refused"
pass "issuing CA revoked in the root's CRL: its admin 403 on /admin/*, its device 401 on /auth/token and /api/*; iss3 unaffected"

# --- 3. stale CRLs: every route refuses, admins included
for c in root issuing/iss1 issuing/iss2 issuing/iss3; do
  revoked=()
  [ "$c" = root ] && revoked=(--revoke "$ISS2")
  "$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$PKIH/$c/ca.crt" --ca-key "$PKIH/$c/ca.key" --hours -1 \
    --number 5000 "${revoked[@]}" --out "$T/stale-${c#*/}.pem"
done
cat "$T"/stale-*.pem >"$T/stale.pem"
mv "$T/stale.pem" "$GW/trust/crl.pem"
wait_crl_event CRL_STALE 1
expect_admin_refused 503 CRL_STALE op-3
expect_refused 503 CRL_STALE dev_curl dev-4 -X POST "$(URL /auth/token)"
expect_refused 503 CRL_STALE dev_curl dev-4 -H "Authorization: Bearer $T4" "$(URL /api/x)"
pass "stale CRLs: /admin/revoke, /admin/deny-jti, /auth/token and /api/* all refuse with 503 CRL_STALE"

gw_stop
expect_exit 0 iot-gateway audit verify "$GW/audit.log"
finish
