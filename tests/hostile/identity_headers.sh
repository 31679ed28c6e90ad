#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Identity headers (issue 9, item 4; docs/security.md "Request targets and identity
# headers"): the backend sees exactly one X-Device-ID, the authenticated device's, under
# every spelling a CGI/WSGI backend folds into HTTP_X_DEVICE_ID (case, '_' for '-');
# X-Forwarded-For is the client address only; the other identity headers a proxy sets
# never come from the client. A JWT signed with the gateway's own key whose sub is not
# a device id (CR/LF, space, comma, unicode, 65 bytes) is refused with 401
# JWT_BAD_CLAIMS, audited, and never reaches the backend.
#
# fails before the fix: the baseline forwards X_Device_ID / x-device_id (the backend's
# HTTP_X_DEVICE_ID is "admin,dev-1"), appends to the client's X-Forwarded-For, and
# proxies a token whose sub holds CR/LF (a raw header injection into the backend
# request) or a comma.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../gateway/lib.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
gw_device dev-1
gw_config
hostile_backend_start "$T/backend.log"
gw_start
TOK=$(token_for dev-1)
api() { dev_curl dev-1 "$(URL /api/echo)" "$@"; }

spoof=()
for name in X-Device-ID x-device-id X_Device_ID x-device_id X_DEVICE_ID x_Device-Id \
  X-Forwarded-For X_Forwarded_For X-Forwarded-Proto X_Forwarded_Proto X-Forwarded-Host \
  Forwarded X-Real-IP X_Real_IP X-Client-IP X-Client-Cert X-SSL-Client-DN X_SSL_Client_Verify; do
  spoof+=(-H "$name: admin")
done
expect_status 200 api -H "Authorization: Bearer $TOK" "${spoof[@]}"
"$PY" - "$T/body" <<'PY' || fail "the backend saw a client's identity header: $(cat "$T/body")"
import json, sys
d = json.load(open(sys.argv[1]))
env = d["wsgi"]
folded = [(k.lower().replace("_", "-"), v) for k, v in d["headers"]]
assert [v for k, v in folded if k == "x-device-id"] == ["dev-1"], folded
assert env["HTTP_X_DEVICE_ID"] == "dev-1", env
assert env["HTTP_X_FORWARDED_FOR"] == "127.0.0.1", env
assert env["HTTP_X_FORWARDED_PROTO"] == "https", env
assert "admin" not in [v for _, v in d["headers"]], d["headers"]
PY
pass "18 spellings of X-Device-ID, X-Forwarded-* and proxy identity headers dropped: the backend's HTTP_X_DEVICE_ID is dev-1, XFF 127.0.0.1"

expect_status 200 api -H "Authorization: Bearer $TOK" -H "X-Device-Model: m1"
grep -q '"HTTP_X_DEVICE_MODEL": "m1"' "$T/body" || fail "an ordinary header was dropped: $(cat "$T/body")"
pass "an ordinary header (X-Device-Model) still reaches the backend"

# Tokens signed with the gateway's real key, whose sub is not a device id.
KID=$("$PY" "$GWT_SRC/jwt_tool.py" claims "$TOK" |
  "$PY" -c 'import json,sys; print(json.load(sys.stdin)["header"]["kid"])')
n=0
for sub in 'dev-1\r\nX-Admin: 1' 'dev-1\nX-Admin: 1' 'dev-1\r' 'dev 1' 'dev-1,admin' \
  'd\u00e9v-1' 'dev-1\u2028' "$(printf 'a%.0s' $(seq 1 65))" '-dev' 'dev\x00'; do
  bad=$("$PY" "$GWT_SRC/jwt_tool.py" forge sub "$TOK" --key "$GW/jwt/$KID.key" --sub="$sub")
  expect_invalid_token JWT_BAD_CLAIMS api -H "Authorization: Bearer $bad"
  n=$((n + 1))
done
expect_audit JWT_BAD_CLAIMS "$n"
pass "$n tokens signed with the real key, sub with CR/LF, space, comma, unicode, 65 bytes -> 401 JWT_BAD_CLAIMS, audited"
[ "$(grep -c "'/api/echo'" "$T/backend.log")" -eq 2 ] ||
  fail "a refused token reached the backend: $(cat "$T/backend.log")"
pass "none of them reached the backend"

ok=$("$PY" "$GWT_SRC/jwt_tool.py" forge sub "$TOK" --key "$GW/jwt/$KID.key" --sub "$(printf 'a%.0s' $(seq 1 64))")
expect_status 200 api -H "Authorization: Bearer $ok"
pass "a 64-byte sub from the same key is still a device id: 200"
finish
