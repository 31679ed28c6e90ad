#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Happy path (issue 4): enroll a device, get a token with curl --cert/--key, call
# /api/hello through the gateway; the backend sees the gateway's X-Device-ID even when
# the client sent its own. The token verifies with Python's jwt using only the JWKS.
# The audit log of the run verifies, and stops verifying after one byte changes.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
gw_device dev-1
gw_config
gw_start_backend
gw_start

# --- token
code=$(http_status dev_curl dev-1 -X POST "$(URL /auth/token)")
[ "$code" = 200 ] || fail "token request: HTTP $code $(cat "$T/body")"
TOKEN=$("$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["token_type"]=="Bearer"; assert d["expires_in"]==3600; print(d["access_token"])' <"$T/body")
pass "POST /auth/token with the device certificate -> 200 Bearer token, expires_in 3600"

"$PY" "$GWT_SRC/jwt_tool.py" claims "$TOKEN" >"$T/claims.json"
DER_X5T=$(openssl x509 -in "$DEV/dev-1.crt" -outform DER | openssl dgst -sha256 -binary | base64 -w0 | tr '+/' '-_' | tr -d '=')
SERIAL=$(serial_of "$DEV/dev-1.crt")
KID=$(ls "$GW/jwt" | sed 's/\.key$//')
"$PY" - "$T/claims.json" "$DER_X5T" "$SERIAL" "$KID" <<'PY' || fail "token header/claims"
import json, sys
doc = json.load(open(sys.argv[1])); h, p = doc["header"], doc["payload"]
assert h == {"alg": "ES256", "typ": "JWT", "kid": sys.argv[4]}, h
for k in ("iss", "sub", "aud", "iat", "nbf", "exp", "jti", "cnf", "serial"):
    assert k in p, k
assert p["iss"] == "iot-gateway" and p["aud"] == "iot-api" and p["sub"] == "dev-1", p
assert p["exp"] - p["iat"] == 3600, p
assert len(p["jti"]) == 22, p["jti"]          # 128 bits, base64url
assert p["cnf"] == {"x5t#S256": sys.argv[2]}, (p["cnf"], sys.argv[2])
assert p["serial"] == sys.argv[3], (p["serial"], sys.argv[3])
PY
pass "token header {alg ES256, typ JWT, kid = key thumbprint}; claims iss/sub/aud/iat/nbf/exp/jti/serial; cnf.x5t#S256 = SHA-256 of the cert DER"

gw_curl -f "$(URL /.well-known/jwks.json)" -o "$T/jwks.json"
"$PY" "$GWT_SRC/jwt_tool.py" verify "$TOKEN" "$T/jwks.json" >"$T/verified.json" ||
  fail "python jwt could not verify the token with the JWKS"
grep -q '"sub": "dev-1"' "$T/verified.json" || fail "verified claims: $(cat "$T/verified.json")"
pass "an independent library (python3-jwt) verifies the token using only /.well-known/jwks.json"

# --- proxied call, with a forged identity header and hop-by-hop headers
code=$(http_status dev_curl dev-1 -H "Authorization: Bearer $TOKEN" -H "X-Device-ID: admin" \
  -H "X-Forwarded-For: 10.9.9.9" -H "Connection: keep-alive, X-Secret-Hop" -H "X-Secret-Hop: 1" \
  -H "Keep-Alive: timeout=5" "$(URL /api/hello?x=1)")
[ "$code" = 200 ] || fail "/api/hello: HTTP $code $(cat "$T/body")"
"$PY" - "$T/body" <<'PY' || fail "backend saw the wrong headers: $(cat "$T/body")"
import json, sys
d = json.load(open(sys.argv[1]))
h = [(k.lower(), v) for k, v in d["headers"]]
ids = [v for k, v in h if k == "x-device-id"]
assert ids == ["dev-1"], ids
assert [v for k, v in h if k == "x-forwarded-for"] == ["127.0.0.1"], h  # client's XFF dropped
names = {k for k, _ in h}
for banned in ("authorization", "x-secret-hop", "keep-alive", "connection"):
    assert banned not in names, banned
assert d["path"] == "/api/hello?x=1", d["path"]
PY
grep -qi '^x-backend: echo' "$T/headers" || fail "backend response headers not passed through"
pass "/api/hello reaches the backend with X-Device-ID dev-1 although the client sent X-Device-ID: admin; XFF is the client address only; hop-by-hop and Authorization removed"

# Keep-alive towards the client: two requests, one connection.
conns=$(dev_curl dev-1 -H "Authorization: Bearer $TOKEN" -w '%{num_connects} ' \
  -o /dev/null "$(URL /api/a)" -o /dev/null "$(URL /api/b)")
[ "$conns" = "1 0 " ] || fail "expected one connection for two requests, num_connects: '$conns'"
pass "HTTP/1.1 keep-alive: two requests over one TLS connection"

body=$(dev_curl dev-1 -X POST -H "Authorization: Bearer $TOKEN" --data-binary 'hello body' "$(URL /api/echo)")
grep -q '"body": "hello body"' <<<"$body" || fail "request body not forwarded: $body"
pass "request bodies are forwarded"

expect_status 200 gw_curl "$(URL /readyz)"
grep -q '"crl_fresh":true' "$T/body" || fail "readyz: $(cat "$T/body")"
expect_status 200 gw_curl "$(URL /healthz)"
pass "/healthz and /readyz answer 200 (trust loaded, CRL fresh)"

# --- audit: every auth event recorded, with the SPEC §5 key order
expect_audit TOKEN_ISSUED 1
expect_audit JWT_OK 4
expect_audit CRL_LOADED 1
head -c 200 "$GW/audit.log" | grep -q '^{"ts":"[0-9T:.-]*Z","seq":1,"prev":"0\{64\}","event":"' ||
  fail "first audit line has the wrong shape: $(head -1 "$GW/audit.log")"
grep '"event":"TOKEN_ISSUED"' "$GW/audit.log" |
  grep -q "\"outcome\":\"success\",\"remote_ip\":\"127.0.0.1\",\"device_id\":\"dev-1\",\"serial\":\"$SERIAL\",\"kid\":\"$KID\",\"jti\":" ||
  fail "TOKEN_ISSUED record: $(last_audit TOKEN_ISSUED)"
pass "audit: 1 TOKEN_ISSUED, 4 JWT_OK, 1 CRL_LOADED; ts/seq/prev/event/outcome/remote_ip first, then device_id/serial/kid/jti"

gw_stop
pass "SIGTERM: the gateway exits 0"

expect_exit 0 iot-gateway audit verify "$GW/audit.log"
lines=$(wc -l <"$GW/audit.log")
[ "$lines" -ge 4 ] || fail "audit log too short"
cp "$GW/audit.log" "$T/tampered.log"
# Change one byte inside line 3 (the device id of a record), keep the JSON valid.
"$PY" - "$T/tampered.log" <<'PY'
import sys
p = sys.argv[1]; lines = open(p, "rb").read().split(b"\n")
i = lines[2].index(b'"remote_ip":"127.0.0.1"') + len(b'"remote_ip":"127.0.0.')
lines[2] = lines[2][:i] + b"2" + lines[2][i + 1:]
open(p, "wb").write(b"\n".join(lines))
PY
expect_exit 65 iot-gateway audit verify "$T/tampered.log"
expect_err_contains "line 3"
pass "audit verify passes on the run's log ($lines lines) and names line 3 after one byte of it changed"

finish
