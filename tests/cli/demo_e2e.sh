#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# README command 1 stays true: the end-to-end demo (SPEC §8) runs on the built binaries,
# checks its own outcomes, and leaves nothing running.
. "$(dirname "$0")/../lib/common.sh"
DEMO=$(cd "$(dirname "$0")/../.." && pwd)/scripts/demo.sh
bash "$DEMO" >"$T/demo.out" 2>&1 || { cat "$T/demo.out"; fail "the demo failed"; }
grep -q '"hello": "sensor-0001"' "$T/demo.out" || fail "the backend did not see the device id"
grep -q 'POST /auth/token      → HTTP 401' "$T/demo.out" || fail "the revoked device was not refused"
grep -q 'chain intact' "$T/demo.out" || fail "audit verify missing"
pass "the demo runs end to end"
pids=$(sed -n 's/^\(backend\|gateway\) pid \([0-9]*\) .*/\2/p' "$T/demo.out")
[ "$(echo "$pids" | wc -w)" -eq 2 ] || fail "the demo should report two PIDs"
for pid in $pids; do
  if kill -0 "$pid" 2>/dev/null; then fail "the demo left pid $pid running"; fi
done
dir=$(grep -o '/tmp/iot-pki-demo\.[A-Za-z0-9]*' "$T/demo.out" | head -n1)
[ -n "$dir" ] && [ ! -e "$dir" ] || fail "the demo's directory '$dir' was not removed"
pass "the demo leaves nothing running"
finish
