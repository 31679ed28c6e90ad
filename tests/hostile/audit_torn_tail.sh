#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Class: an audit log whose last line was torn by a crash (issue 9 item 10). A real
# gateway writes records, is killed with SIGKILL, its log is cut mid-line (as a crash in
# write(2) leaves it) or ends in a line that is not a record; on restart the tear is
# reported once (AUDIT_TAIL_REPAIRED, and in /metrics), the fragment stays on its own
# line as evidence, seq continues from the last whole record, and `iot-gateway audit
# verify` accepts the file while naming the repaired line.
# Fails before the fix: the first record after the restart was glued onto the fragment
# and seq restarted at 1, so verify failed.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../gateway/lib.sh"
gw_pki
gw_config
gw_device dev-1
gw_start_backend
gw_start
LOG=$GW/audit.log

tokens() {  # tokens N: N TOKEN_ISSUED records
  local _
  for _ in $(seq 1 "$1"); do token_for dev-1 >/dev/null; done
}
kill9() {
  kill -KILL "$GW_PID"
  wait "$GW_PID" 2>/dev/null || true
}
# seq_ok: every line but the known fragments is a record, and seq goes 1, 2, 3 …
seq_ok() {
  "$PY" - "$LOG" <<'PYEOF'
import json, sys
seqs = []
for raw in open(sys.argv[1], "rb").read().split(b"\n")[:-1]:
    try:
        seqs.append(json.loads(raw)["seq"])
    except (ValueError, KeyError):
        continue  # a fragment kept as evidence
assert seqs == list(range(1, len(seqs) + 1)), seqs
PYEOF
}

tokens 3
expect_audit TOKEN_ISSUED 3
kill9
size=$(stat -c %s "$LOG")
truncate -s $((size - 40)) "$LOG"  # the last record loses its end and its newline
[ "$(tail -c1 "$LOG" | od -An -tx1 | tr -d ' ')" != 0a ] || fail "the log still ends with a newline"
gw_start
tokens 2
expect_audit TOKEN_ISSUED 5
expect_audit AUDIT_TAIL_REPAIRED 1
last_audit AUDIT_TAIL_REPAIRED | grep -q '"outcome":"failure","remote_ip":""' || fail "repair record: $(last_audit AUDIT_TAIL_REPAIRED)"
last_audit AUDIT_TAIL_REPAIRED | grep -q "no final newline" || fail "the reason is not given"
curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" -o "$T/metrics.txt" || fail "no metrics"
grep -q 'iot_gateway_auth_events_total{event="AUDIT_TAIL_REPAIRED"} 1' "$T/metrics.txt" ||
  fail "metrics: $(grep AUDIT "$T/metrics.txt")"
gw_stop
seq_ok || fail "seq does not continue across the repaired tear"
iot-gateway audit verify "$LOG" >"$T/verify.out" || fail "verify refused the repaired log: $(cat "$T/verify.out")"
grep -q "torn write, kept as evidence" "$T/verify.out" || fail "verify does not report the tear: $(cat "$T/verify.out")"
iot-gateway --json audit verify "$LOG" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] and len(d["repaired_tears"]) == 1, d' ||
  fail "verify --json"
pass "a torn last line: repaired once (audit + metrics), seq continues, verify passes and names it"

# A clean restart repairs nothing.
gw_start
tokens 1
expect_audit TOKEN_ISSUED 6
gw_stop
expect_audit AUDIT_TAIL_REPAIRED 1
pass "a restart on a whole log writes no repair record"

# A last line that is not a record (garbage that ends in a newline).
gw_start
tokens 1
expect_audit TOKEN_ISSUED 7
kill9
printf '{"ts":"2026-12-01T00:00:00.000Z","seq":\n' >>"$LOG"
gw_start
tokens 1
expect_audit TOKEN_ISSUED 8
gw_stop
expect_audit AUDIT_TAIL_REPAIRED 2
seq_ok || fail "seq after a garbage line"
iot-gateway --json audit verify "$LOG" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] and len(d["repaired_tears"]) == 2, d' ||
  fail "verify after the second repair: $(iot-gateway audit verify "$LOG" 2>&1)"
pass "a last line that is not a record is repaired the same way; verify passes"

# A tear that no restart repaired is still reported as a failure.
printf '{"ts":"torn' >>"$LOG"
expect_exit 65 iot-gateway audit verify "$LOG"
expect_err_contains "not terminated by a newline"
pass "an unrepaired torn tail fails verify (65) with the reason"
finish
