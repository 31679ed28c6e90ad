#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The seed's security checklist (SPEC §7) and issue 4's "Also" list, against a real
# gateway: every refusal has its status and its audit record, and the test counts the
# audit records of every event at the end.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
ca intermediate --name iss2 --cn "Issuing 2" --key ec-p256 --no-passphrase >/dev/null
for d in dev-1 dev-2 dev-rev; do gw_device "$d"; done
gw_device dev-under-iss2 device iss2
gw_device op-1 admin                       # OU "IoT Admins": not a device
# A CA that is not in the bundle, made with the same tool.
iot-ca --home "$T/evil" init --cn "Evil Root" --key ec-p256 --no-passphrase >/dev/null
make_device_csr dev-evil "$DEV"
iot-ca --home "$T/evil" sign --csr "$DEV/dev-evil.csr" --profile device --out "$DEV/dev-evil.crt" >/dev/null
gw_export
gw_config
gw_start_backend
gw_start
API=$(URL /api/hello)

# --- mTLS policy on /auth/token
expect_refused 401 AUTH_NO_CERT gw_curl -X POST "$(URL /auth/token)"
expect_audit AUTH_NO_CERT 1
pass "no client certificate -> TLS completes, 401 + AUTH_NO_CERT"

rc=0
dev_curl dev-evil -X POST "$(URL /auth/token)" -o /dev/null 2>"$T/curl.err" || rc=$?
[ "$rc" -ne 0 ] || fail "a certificate from another CA was accepted"
grep -qi "unknown ca\|alert" "$T/curl.err" || fail "curl error is not a TLS alert: $(cat "$T/curl.err")"
printf 'POST /auth/token HTTP/1.0\r\n\r\n' | timeout 20 openssl s_client -connect "127.0.0.1:$GW_PORT" \
  -cert "$DEV/dev-evil.crt" -key "$DEV/dev-evil.key" -CAfile "$GW/trust/ca-bundle.pem" -quiet \
  >"$T/sclient.out" 2>"$T/sclient.err" || true
grep -q "alert unknown ca" "$T/sclient.err" || fail "s_client: $(cat "$T/sclient.err")"
! grep -q "HTTP/1" "$T/sclient.out" || fail "s_client got an HTTP answer with a foreign certificate"
expect_audit TLS_HANDSHAKE_FAILED 2
pass "certificate from another CA -> TLS handshake error for curl and openssl s_client + 2 TLS_HANDSHAKE_FAILED"

expect_refused 401 CERT_OU_MISMATCH dev_curl op-1 -X POST "$(URL /auth/token)"
expect_audit CERT_OU_MISMATCH 1
pass "wrong OU (an IoT Admins certificate) -> 401 + CERT_OU_MISMATCH"

# Tokens taken before the revocations below.
T1=$(token_for dev-1)
TREV=$(token_for dev-rev)
TISS2=$(token_for dev-under-iss2)
expect_audit TOKEN_ISSUED 3

# --- JWT refusals on /api/*
gw_curl -f "$(URL /.well-known/jwks.json)" -o "$T/jwks.json"
KEYFILE=$(ls "$GW"/jwt/*.key)
forge() { "$PY" "$GWT_SRC/jwt_tool.py" forge "$1" "$T1" --key "$KEYFILE" --jwks "$T/jwks.json"; }
bearer() {
  local tok=$1
  shift
  dev_curl dev-1 -H "Authorization: Bearer $tok" "$API" "$@"
}

expect_invalid_token JWT_MISSING dev_curl dev-1 "$API"
expect_invalid_token JWT_MALFORMED bearer "not.a.jwt"
for kind in hs256 none rs256; do
  expect_invalid_token JWT_BAD_ALG bearer "$(forge "$kind")"
done
expect_audit JWT_BAD_ALG 3
pass "alg HS256 (HMAC keyed with the public key), none and RS256 -> 401 + 3 JWT_BAD_ALG"
expect_invalid_token JWT_EXPIRED bearer "$(forge expired)"
expect_audit JWT_EXPIRED 1
grep '"event":"JWT_EXPIRED"' "$GW/audit.log" | grep -q '"device_id":"dev-1"' || fail "JWT_EXPIRED lacks device_id"
pass "expired JWT -> 401 + JWT_EXPIRED audit record naming the device"
expect_invalid_token JWT_NOT_YET_VALID bearer "$(forge future)"
expect_invalid_token JWT_BAD_SIGNATURE bearer "$(forge tampered)"
pass "tampered payload -> JWT_BAD_SIGNATURE; nbf in the future -> JWT_NOT_YET_VALID"
expect_invalid_token JWT_UNKNOWN_KID bearer "$(forge unknown-kid)"
expect_invalid_token JWT_UNKNOWN_KID bearer "$(forge traversal-kid)"
pass "unknown kid and kid ../../etc/passwd -> JWT_UNKNOWN_KID"
expect_invalid_token JWT_CERT_MISMATCH dev_curl dev-2 -H "Authorization: Bearer $T1" "$API"
expect_invalid_token JWT_CERT_MISMATCH gw_curl -H "Authorization: Bearer $T1" "$API"
pass "dev-1's valid token with dev-2's certificate, or with none -> JWT_CERT_MISMATCH"
expect_status 200 bearer "$T1"
pass "dev-1's own token with its own certificate still works"

# --- revocation: a device, and an issuing CA
revoke cert "$(serial_of "$DEV/dev-rev.crt")" --reason keyCompromise >/dev/null
revoke cert "$(serial_of "$PKIH/issuing/iss2/ca.crt")" --reason cACompromise >/dev/null
gw_export
wait_crl_event CRL_LOADED 2
expect_refused 401 CERT_REVOKED dev_curl dev-rev -X POST "$(URL /auth/token)"
expect_invalid_token JWT_REVOKED dev_curl dev-rev -H "Authorization: Bearer $TREV" "$API"
pass "revoked serial -> /auth/token 401 CERT_REVOKED; its earlier token refused on /api/* (JWT_REVOKED) after the reload"
expect_refused 401 CERT_REVOKED dev_curl dev-under-iss2 -X POST "$(URL /auth/token)"
grep '"event":"CERT_REVOKED"' "$GW/audit.log" | tail -1 | grep -q 'issuing CA' ||
  fail "CERT_REVOKED for the issuing CA does not say so: $(last_audit CERT_REVOKED)"
expect_invalid_token JWT_REVOKED dev_curl dev-under-iss2 -H "Authorization: Bearer $TISS2" "$API"
pass "a device under a revoked issuing CA -> CERT_REVOKED, and its token -> JWT_REVOKED"
expect_status 200 bearer "$T1"

# --- every auth event, success and failure, counted
expect_audit AUTH_NO_CERT 1
expect_audit TLS_HANDSHAKE_FAILED 2
expect_audit CERT_OU_MISMATCH 1
expect_audit CERT_REVOKED 2
expect_audit TOKEN_ISSUED 3
expect_audit JWT_MISSING 1
expect_audit JWT_MALFORMED 1
expect_audit JWT_BAD_ALG 3
expect_audit JWT_EXPIRED 1
expect_audit JWT_NOT_YET_VALID 1
expect_audit JWT_BAD_SIGNATURE 1
expect_audit JWT_UNKNOWN_KID 2
expect_audit JWT_CERT_MISMATCH 2
expect_audit JWT_REVOKED 2
expect_audit JWT_OK 2
expect_audit CRL_LOADED 2
total=$(wc -l <"$GW/audit.log")
[ "$total" -eq 27 ] || fail "expected 27 audit records in all, found $total"
failures=$(grep -c '"outcome":"failure","remote_ip":"127.0.0.1"' "$GW/audit.log")
[ "$failures" -eq 20 ] || fail "expected 20 failure records with remote_ip, found $failures"
pass "audit: one record per auth event (27 in all, 20 failures with remote_ip for fail2ban)"

gw_stop
expect_exit 0 iot-gateway audit verify "$GW/audit.log"
pass "audit verify passes on the whole run"
finish
