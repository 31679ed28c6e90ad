#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Key rotation (issue 4): after `jwt-key new` and SIGHUP, new tokens carry the new kid,
# tokens signed before still validate, and the JWKS publishes both keys. Keys readable
# by group or others are refused.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
gw_device dev-1
GW_RELOAD=1h gw_config     # only SIGHUP reloads here
gw_start_backend
gw_start
OLD_KID=$(ls "$GW/jwt" | sed 's/\.key$//')
T_OLD=$(token_for dev-1)
kid_of() { "$PY" "$GWT_SRC/jwt_tool.py" claims "$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["header"]["kid"])'; }
[ "$(kid_of "$T_OLD")" = "$OLD_KID" ] || fail "first token not signed by the only key"

sleep 0.05  # a strictly newer mtime for the new key
NEW_KID=$(iot-gateway --json jwt-key new --dir "$GW/jwt" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["kid"])')
[ -f "$GW/jwt/$NEW_KID.key" ] || fail "jwt-key new did not write $NEW_KID.key"
[ "$(stat -c %a "$GW/jwt/$NEW_KID.key")" = 600 ] || fail "new key is not 0600"
# The kid is the RFC 7638 thumbprint, checked with Python's jwt.
"$PY" - "$GW/jwt/$NEW_KID.key" "$NEW_KID" <<'PY' || fail "kid is not the RFC 7638 thumbprint"
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import serialization
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), password=None)
# RFC 7518 §6.2.1.2: x and y are the full 32-byte coordinates. PyJWT 2.6's to_jwk drops
# leading zero bytes (about one key in 128), so the JWK is built here.
nums = key.public_key().public_numbers()
b64 = lambda n: base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()
jwk = {"crv": "P-256", "kty": "EC", "x": b64(nums.x), "y": b64(nums.y)}
canon = json.dumps(jwk, separators=(",", ":"), sort_keys=True)
assert base64.urlsafe_b64encode(hashlib.sha256(canon.encode()).digest()).rstrip(b"=").decode() == sys.argv[2]
PY
pass "jwt-key new writes <kid>.key (0600) with kid = RFC 7638 thumbprint"

T_SAME=$(token_for dev-1)
[ "$(kid_of "$T_SAME")" = "$OLD_KID" ] || fail "the new key signed before SIGHUP"
kill -HUP "$GW_PID"
for _ in $(seq 1 100); do
  T_NEW=$(token_for dev-1)
  [ "$(kid_of "$T_NEW")" = "$NEW_KID" ] && break
  sleep 0.1
done
[ "$(kid_of "$T_NEW")" = "$NEW_KID" ] || fail "after SIGHUP new tokens still use $(kid_of "$T_NEW")"
pass "after SIGHUP new tokens carry the new kid"

expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $T_OLD" "$(URL /api/old)"
expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $T_NEW" "$(URL /api/new)"
gw_curl -f "$(URL /.well-known/jwks.json)" -o "$T/jwks.json"
"$PY" "$GWT_SRC/jwt_tool.py" verify "$T_OLD" "$T/jwks.json" >/dev/null || fail "old token vs JWKS"
"$PY" "$GWT_SRC/jwt_tool.py" verify "$T_NEW" "$T/jwks.json" >/dev/null || fail "new token vs JWKS"
pass "tokens signed by the old key still validate; the JWKS publishes both keys"

# A key file others can read is refused on reload; the loaded keys stay in use.
iot-gateway jwt-key new --dir "$GW/jwt" >/dev/null
BAD=$(ls -t "$GW/jwt" | head -1)
chmod 644 "$GW/jwt/$BAD"
kill -HUP "$GW_PID"
wait_for grep -q "JWT keys refused" "$T/gateway.err"
grep -q "chmod 600" "$T/gateway.err" || fail "refusal does not say how to fix: $(tail -2 "$T/gateway.err")"
[ "$(kid_of "$(token_for dev-1)")" = "$NEW_KID" ] || fail "the refused key set replaced the good one"
pass "a group/world-readable key file is refused on reload with the fix named; the last good keys stay"

gw_stop
expect_exit 78 iot-gateway --config "$GW/gateway.toml"
expect_err_contains "chmod 600"
pass "start-up refuses a group/world-readable key file (exit 78)"
finish
