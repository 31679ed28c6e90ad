#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The proxy's failure modes (issue 4): backend slower than [backend] timeout -> 504,
# backend stopped -> 502, the gateway stays up and recovers; SIGTERM while a request
# is in flight lets it complete, then the process exits 0.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
gw_device dev-1
GW_BACKEND_TIMEOUT=2s gw_config
gw_start_backend
gw_start
TOK=$(token_for dev-1)
api() {
  local path=$1
  shift
  dev_curl dev-1 -H "Authorization: Bearer $TOK" "$(URL "$path")" "$@"
}

expect_status 200 api /api/fast
start=$(date +%s)
expect_status 504 api "/api/slow?s=6"
elapsed=$(($(date +%s) - start))
[ "$elapsed" -lt 6 ] || fail "504 came after ${elapsed}s, not after the 2s backend timeout"
expect_status 200 api /api/after-timeout
pass "backend slower than the 2s timeout -> 504 after ~${elapsed}s; the next request is served"

kill "$BE_PID"
wait "$BE_PID" 2>/dev/null || true
expect_status 502 api /api/down
expect_status 502 api /api/down -X POST --data x
expect_status 200 gw_curl "$(URL /healthz)"
pass "backend stopped -> 502 (GET and POST), the gateway stays up"

gw_start_backend
wait_for curl -sf "http://127.0.0.1:$BE_PORT/api/ping"
expect_status 200 api /api/back
pass "backend restarted -> served again"

# SIGTERM during a slow (but in-time) request: it completes, then exit 0.
api "/api/slow?s=1" -o "$T/slow.body" -w '%{http_code}' >"$T/slow.code" &
CURL_PID=$!
track_pid "$CURL_PID"
sleep 0.5
kill -TERM "$GW_PID"
wait "$CURL_PID" || fail "the in-flight request failed during the drain"
[ "$(cat "$T/slow.code")" = 200 ] || fail "in-flight request got $(cat "$T/slow.code")"
rc=0
wait "$GW_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "gateway exited $rc after the drain"
pass "SIGTERM during an in-flight request: it completes with 200, then the gateway exits 0"
finish
