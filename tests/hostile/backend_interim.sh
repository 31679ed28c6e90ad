#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Gateway ↔ backend (issue 9, item 1; docs/security.md "Gateway ↔ backend"): a backend
# connection is reused only after a response read to its own end, so one device never
# receives another's response. Devices with their own certificates and JWTs interleave
# requests through the gateway's pool while the backend (hostile_backend.py) sends
# 100 Continue, 103 Early Hints, up to 8 and then too many interim responses, an
# unsolicited extra response, a body without length, an early 403 that leaves the body
# unread, a 101, HEAD answers with and without a body, and answers too late (504).
# Every response must carry the nonce and X-Device-ID of the request it answers.
#
# fails before the fix (IOTPKI_BIN=/work/wt/baseline/build/bin, measured): 10 of the 13
# cases. 100 Continue: the baseline returns the 100 as dev-a's final response and pools
# the connection with dev-a's real answer unread, dev-b receives it (leaked=20 of 40);
# 103: leaked=26; 8 interim: leaked=1 failed=16; 9 interim: no 502; extra response 20 ms
# later: leaked=10; early 403: dev-b gets the smuggled request's answer (leaked=12);
# 101: leaked=5; HEAD: 504 (the body a HEAD never has is awaited); parallel: leaked=41;
# curl with Expect: dev-a times out. The same-write extra response, the length-less body
# and the late answer already held on the baseline; they stay as members of the class.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../gateway/lib.sh"
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

gw_pki
for d in dev-a dev-b dev-c; do gw_device "$d"; done
GW_BACKEND_TIMEOUT=2s gw_config
hostile_backend_start
gw_start
declare -A TOK
for d in dev-a dev-b dev-c; do TOK[$d]=$(token_for "$d"); done

# req ID METHOD PATH STATUS [BODY] [PAUSE]: one device's request, as a JSON line.
req() {
  "$PY" -c 'import json, sys
a = sys.argv[1:]
print(json.dumps({"id": a[0], "cert": a[1], "key": a[2], "token": a[3], "method": a[4],
                  "path": a[5], "status": int(a[6]), "body": a[7], "pause": float(a[8])}))' \
    "$1" "$DEV/$1.crt" "$DEV/$1.key" "${TOK[$1]}" "$2" "$3" "$4" "${5:-}" "${6:-0}"
}

# interleave WHAT ROUNDS MODE REQ...: the devices' requests, ROUNDS times each.
interleave() {
  local what=$1 rounds=$2 mode=$3
  shift 3
  printf '%s\n' "$@" | "$PY" -c 'import json, sys
print(json.dumps([json.loads(l) for l in sys.stdin]))' >"$T/spec.json"
  local rc=0
  # shellcheck disable=SC2086 # MODE is empty or one flag
  "$PY" "$HERE/pool_client.py" "$GW_PORT" "$GW/trust/ca-bundle.pem" "$T/spec.json" "$rounds" \
    $mode >"$T/pool.out" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || fail "$what: $(cat "$T/pool.out")"
  pass "$what: $(head -1 "$T/pool.out")"
}

BODY='{"reading": 42}'
interleave "100 Continue to dev-a's POST with Expect, dev-b interleaved" 20 "" \
  "$(req dev-a POST /api/continue 200 "$BODY")" "$(req dev-b GET /api/echo 200)"

# The same with curl, which sends Expect: 100-continue itself and waits for the 100.
for i in 1 2 3; do
  dev_curl dev-a -H "Authorization: Bearer ${TOK[dev-a]}" -H 'Expect: 100-continue' \
    -H "X-Nonce: curl-a-$i" --data-binary "$BODY" "$(URL /api/continue)" >"$T/a.json" || true
  dev_curl dev-b -H "Authorization: Bearer ${TOK[dev-b]}" -H "X-Nonce: curl-b-$i" \
    "$(URL /api/echo)" >"$T/b.json" || true
  grep -q "\"nonce\": \"curl-a-$i\"" "$T/a.json" || fail "curl dev-a #$i got: $(cat "$T/a.json")"
  grep -q "\"nonce\": \"curl-b-$i\"" "$T/b.json" || fail "curl dev-b #$i got: $(cat "$T/b.json")"
  if grep -q '"HTTP_EXPECT"' "$T/a.json"; then fail "Expect reached the backend: $(cat "$T/a.json")"; fi
done
pass "curl -H 'Expect: 100-continue' with a body: each device gets its own answer, Expect not forwarded (3 rounds)"

interleave "103 Early Hints then the final response" 20 "" \
  "$(req dev-a GET /api/early-hints 200)" "$(req dev-b GET /api/echo 200)"
interleave "8 interim responses are the most accepted" 10 "" \
  "$(req dev-a POST '/api/interim?n=8' 200 "$BODY")" "$(req dev-b GET /api/echo 200)"
interleave "9 (or 50) interim responses -> 502, the connection dropped" 5 "" \
  "$(req dev-a GET '/api/interim?n=9' 502)" "$(req dev-c GET '/api/interim?n=50' 502)" \
  "$(req dev-b GET /api/echo 200)"
interleave "an unsolicited second response in the same write" 20 "" \
  "$(req dev-a GET /api/extra 200)" "$(req dev-b GET /api/echo 200)"
interleave "an unsolicited response 20 ms later, before the connection's next use" 8 "" \
  "$(req dev-a GET '/api/extra?gap=20' 200)" "$(req dev-b GET /api/echo 200 '' 0.2)"
interleave "a body without length (read to end of stream)" 10 "" \
  "$(req dev-a GET /api/eof 200)" "$(req dev-b GET /api/echo 200)"
SMUGGLED=$'GET /api/echo HTTP/1.1\r\nHost: b\r\nX-Device-ID: dev-b\r\nX-Nonce: smuggled\r\n\r\n'
interleave "a 403 sent before the body was read (the body holds a request)" 10 "" \
  "$(req dev-a POST /api/early 403 "$SMUGGLED")" "$(req dev-b GET /api/echo 200)"
interleave "101 Switching Protocols -> 502" 5 "" \
  "$(req dev-a GET /api/switch 502)" "$(req dev-b GET /api/echo 200)"
interleave "HEAD, answered without and (wrongly) with a body" 10 "" \
  "$(req dev-a HEAD /api/echo 200)" "$(req dev-c HEAD /api/head-body 200)" \
  "$(req dev-b GET /api/echo 200)"
interleave "an answer after the 2 s backend timeout -> 504, never given to the next device" 2 "" \
  "$(req dev-a GET '/api/slow?s=2.5' 504)" "$(req dev-b GET /api/echo 200)" \
  "$(req dev-b GET /api/echo 200 '' 0.6)"
interleave "three devices in parallel over the shared pool" 40 --concurrent \
  "$(req dev-a POST /api/continue 200 "$BODY")" "$(req dev-b GET /api/early-hints 200)" \
  "$(req dev-c GET /api/extra 200)"

# The pool still pools: clean exchanges reuse one backend connection.
for i in $(seq 1 10); do
  dev_curl dev-b -H "Authorization: Bearer ${TOK[dev-b]}" "$(URL /api/echo)" |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["conn"])'
done >"$T/conns"
[ "$(sort -u "$T/conns" | wc -l)" -le 2 ] || fail "10 clean requests used backend connections $(sort -u "$T/conns" | tr '\n' ' ')"
pass "10 clean sequential requests reuse pooled backend connections ($(sort -u "$T/conns" | wc -l) used)"

expect_status 200 gw_curl "$(URL /healthz)"
pass "the gateway is still up"
finish
