#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 5 against a real gateway, with several loopback source addresses standing for
# different clients: failure bans at accept, the /auth/token token bucket, header/body
# limits, admin revocation (persisted across a restart), the JWT deny list, and a
# metrics scrape that promtool accepts.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
gw_device dev-1
gw_device dev-2
gw_device op-1 admin
GW_FAILURES=10 GW_BAN=4s GW_TOKEN_RATE=0.2 GW_TOKEN_BURST=5 gw_config
gw_start_backend
gw_start
from() {  # from ADDR CURLFN ARGS...: the request leaves from another loopback address
  local addr=$1 fn=$2
  shift 2
  "$fn" "$@" --interface "$addr"
}

# --- bans: 10 failures in the window from 127.0.0.2 ban it at accept
for _ in $(seq 1 10); do
  expect_status 401 from 127.0.0.2 gw_curl "$(URL /api/x)"
done
expect_audit IP_BANNED 1
last_audit IP_BANNED | grep -q '"remote_ip":"127.0.0.2"' || fail "IP_BANNED: $(last_audit IP_BANNED)"
code=$(http_status from 127.0.0.2 gw_curl "$(URL /healthz)")
[ "$code" = 000 ] || fail "a banned address got HTTP $code"
expect_status 200 from 127.0.0.3 dev_curl dev-1 -X POST "$(URL /auth/token)"
expect_audit IP_BANNED 1
pass "10 failed authentications from 127.0.0.2 -> closed at accept, one IP_BANNED; 127.0.0.3 still served"
sleep 4.5
expect_status 200 from 127.0.0.2 gw_curl "$(URL /healthz)"
pass "the ban lifts after ban_duration"

# --- token bucket: burst 5 at 0.2/s (slow refill: robust on a loaded machine), from one address; another address unaffected
codes=""
for _ in $(seq 1 12); do
  codes+="$(http_status from 127.0.0.4 dev_curl dev-1 -X POST "$(URL /auth/token)") "
done
grep -q 429 <<<"$codes" || fail "no 429 in a burst of 12: $codes"
[ "$(grep -o 200 <<<"$codes" | wc -l)" -ge 5 ] || fail "burst of 5 not honoured: $codes"
grep -qi '^retry-after: [1-9]' "$T/headers" || fail "429 without Retry-After: $(cat "$T/headers")"
expect_audit RATE_LIMITED 1
expect_status 200 from 127.0.0.5 dev_curl dev-1 -X POST "$(URL /auth/token)"
pass "token bucket: 429 + Retry-After past the burst, one RATE_LIMITED record per window, other addresses served"

# --- malformed and oversized requests
big=$(head -c 9000 /dev/zero | tr '\0' a)
expect_status 431 gw_curl -H "X-Big: $big" "$(URL /healthz)"
head -c 1100000 /dev/zero >"$T/big.bin"
expect_status 413 from 127.0.0.6 dev_curl dev-1 -H "Expect:" -X POST --data-binary @"$T/big.bin" "$(URL /api/upload)"
printf 'GARBAGE\x01\x02 / HTTP/9\r\n\r\n' | timeout 20 openssl s_client -connect "127.0.0.1:$GW_PORT" \
  -CAfile "$GW/trust/ca-bundle.pem" -quiet >"$T/garbage.out" 2>/dev/null || true
grep -q "HTTP/1.1 400" "$T/garbage.out" || fail "garbage request: $(head -c 200 "$T/garbage.out")"
expect_status 200 gw_curl "$(URL /healthz)"
pass "oversized headers -> 431, oversized body -> 413, garbage -> 400; the gateway stays up"

# --- admin endpoints
T1=$(from 127.0.0.7 token_for dev-1)
T2=$(from 127.0.0.7 token_for dev-2)
S1=$(serial_of "$DEV/dev-1.crt")
expect_status 403 from 127.0.0.8 dev_curl dev-2 -X POST -d "{\"serial\":\"$S1\",\"reason\":\"x\"}" "$(URL /admin/revoke)"
expect_audit ADMIN_DENIED 1
pass "a device certificate on /admin/revoke -> 403 + ADMIN_DENIED"
expect_status 200 from 127.0.0.9 dev_curl op-1 -X POST -d "{\"serial\":\"$(tr 'A-F' 'a-f' <<<"$S1")\",\"reason\":\"keyCompromise\"}" "$(URL /admin/revoke)"
expect_audit ADMIN_REVOKE 1
last_audit ADMIN_REVOKE | grep -q "\"device_id\":\"op-1\",\"serial\":\"$S1\"" || fail "ADMIN_REVOKE: $(last_audit ADMIN_REVOKE)"
expect_refused 401 CERT_REVOKED from 127.0.0.10 dev_curl dev-1 -X POST "$(URL /auth/token)"
expect_invalid_token JWT_REVOKED from 127.0.0.10 dev_curl dev-1 -H "Authorization: Bearer $T1" "$(URL /api/x)"
pass "admin revoke (serial in lower case) -> dev-1 refused at once on /auth/token and /api/*; ADMIN_REVOKE names the admin"

JTI2=$("$PY" "$GWT_SRC/jwt_tool.py" claims "$T2" | "$PY" -c 'import json,sys; p=json.load(sys.stdin)["payload"]; print(p["jti"], p["exp"])')
expect_status 200 from 127.0.0.11 dev_curl dev-2 -H "Authorization: Bearer $T2" "$(URL /api/x)"
expect_status 200 from 127.0.0.9 dev_curl op-1 -X POST -d "{\"jti\":\"${JTI2% *}\",\"exp\":${JTI2#* }}" "$(URL /admin/deny-jti)"
expect_invalid_token JWT_REVOKED from 127.0.0.11 dev_curl dev-2 -H "Authorization: Bearer $T2" "$(URL /api/x)"
expect_status 200 from 127.0.0.11 dev_curl dev-2 -H "Authorization: Bearer $(from 127.0.0.12 token_for dev-2)" "$(URL /api/x)"
pass "deny-jti refuses that one token; a new token of the same device works"

# --- metrics, checked by promtool
curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" -o "$T/metrics.txt" || fail "no metrics"
promtool check metrics <"$T/metrics.txt" >"$T/promtool.out" 2>&1 || fail "promtool: $(cat "$T/promtool.out")"
grep -q 'event="IP_BANNED"} 1' "$T/metrics.txt" || fail "metrics lack IP_BANNED: $(grep IP_BANNED "$T/metrics.txt")"
grep -q 'result="failed"' "$T/metrics.txt" || fail "no handshake metrics"
pass "/metrics on the metrics listener passes promtool check metrics"

# --- the admin revocation survives a restart
gw_stop
gw_start
expect_refused 401 CERT_REVOKED from 127.0.0.13 dev_curl dev-1 -X POST "$(URL /auth/token)"
expect_invalid_token JWT_REVOKED from 127.0.0.13 dev_curl dev-2 -H "Authorization: Bearer $T2" "$(URL /api/x)"
[ "$(stat -c %a "$GW/state")" = 700 ] || fail "state dir is not 0700"
pass "after a restart dev-1 is still refused and the denied jti still refused (persisted in state/, 0700)"
gw_stop
expect_exit 0 iot-gateway audit verify "$GW/audit.log"
finish
