#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Anchored audit log (issue 11 item 4, gateway side): signed checkpoints and syslog
# forwarding, with a real gateway on loopback and a real rsyslogd (private config:
# imtcp on a loopback port, omfile into the scratch dir, its own pid file and work
# dir, stopped by PID).
# * `audit key new` makes the Ed25519 checkpoint key (0600) and its .pub; the key never
#   shows in the output or the gateway's stderr.
# * A clean run's log passes `audit verify --key --stopped`, which reports the last
#   checkpoint (the shutdown one); one checkpoint also verifies with `openssl pkeyutl`
#   from the documented signed bytes.
# * Removed head (at an arbitrary line and exactly at a periodic checkpoint), removed
#   tail after a checkpoint (--stopped; and without it, once the next checkpoint is
#   overdue), an edited line, a recomputed chain, a wrong key → each exit 65, naming
#   the line and what is wrong.
# * rsyslog holds every record of the run (same lines as the local log).
# * Collector down: the gateway keeps serving, iot_gateway_audit_syslog_dropped_total
#   rises past the queue size, and after rsyslog is back every record either arrived
#   or lies in the seq range an AUDIT_FORWARD_LOST record states.
# Fails before the change: `audit key new` and `audit verify --key` do not exist, and
# the baseline verify passes a log whose head was removed.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

command -v rsyslogd >/dev/null || PATH=$PATH:/usr/sbin
command -v rsyslogd >/dev/null || fail "rsyslogd not installed (Debian package rsyslog)"
TOOL=$GWT_SRC/audit_tool.py

gw_pki
gw_device dev-1

# --- the checkpoint key
expect_exit 0 iot-gateway audit key new --out "$GW/audit/ckpt.key"
PUB=$GW/audit/ckpt.key.pub
[ "$(stat -c %a "$GW/audit/ckpt.key")" = 600 ] || fail "checkpoint key mode $(stat -c %a "$GW/audit/ckpt.key")"
grep -q "BEGIN PUBLIC KEY" "$PUB" || fail "no public key in $PUB"
! grep -q "PRIVATE" "$T/last.out" "$T/last.err" || fail "the private key was printed"
expect_exit 73 iot-gateway audit key new --out "$GW/audit/ckpt.key"
pass "audit key new: Ed25519 key 0600 + .pub, nothing secret printed, no overwrite (exit 73)"

# --- rsyslog with a private config
RS=$T/rsyslog
mkdir -p "$RS/work"
RS_PORT=$(free_port)
cat >"$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="imtcp")
template(name="rawmsg" type="string" string="%msg%\n")
ruleset(name="audit") {
  action(type="omfile" file="$RS/out.log" template="rawmsg" flushOnTXEnd="on" asyncWriting="off")
}
input(type="imtcp" address="127.0.0.1" port="$RS_PORT" ruleset="audit")
CONF
rs_listening() { "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $RS_PORT), 1).close()"; }
rs_start() {
  rsyslogd -n -f "$RS/rsyslog.conf" -i "$RS/rsyslog.pid" 2>>"$RS/rsyslogd.err" &
  RS_PID=$!
  track_pid "$RS_PID"
  wait_for rs_listening
}
rs_stop() {
  kill -TERM "$RS_PID"
  wait "$RS_PID" 2>/dev/null || true
}
rs_start

gw_config
cat >>"$GW/gateway.toml" <<TOML
checkpoint_key = "audit/ckpt.key"
checkpoint_every = 5
checkpoint_interval = "1s"
syslog = "tcp://127.0.0.1:$RS_PORT"
syslog_queue = 64
TOML
gw_start_backend
gw_start
for _ in $(seq 1 12); do expect_status 200 dev_curl dev-1 -X POST "$(URL /auth/token)"; done
for _ in $(seq 1 3); do expect_status 401 gw_curl -X POST "$(URL /auth/token)"; done
expect_audit TOKEN_ISSUED 12
gw_stop
! grep -q "PRIVATE" "$T/gateway.err" || fail "key material in the gateway's stderr"
LOG=$GW/audit.log
[ "$(head -1 "$LOG" | grep -c '"checkpoint":"open"')" = 1 ] || fail "first line is not the open checkpoint: $(head -1 "$LOG")"
tail -1 "$LOG" | grep -q '"checkpoint":"shutdown"' || fail "last line is not the shutdown checkpoint: $(tail -1 "$LOG")"
[ "$(grep -c '"checkpoint":"periodic"' "$LOG")" -ge 3 ] || fail "expected a periodic checkpoint every 5 records"
expect_exit 0 iot-gateway audit verify --key "$PUB" --stopped "$LOG"
grep -q "checkpoint signatures valid" "$T/last.out" || fail "verify output: $(cat "$T/last.out")"
grep -q "last checkpoint: line $(wc -l <"$LOG"), seq $(wc -l <"$LOG"), .* (shutdown)" "$T/last.out" ||
  fail "verify does not report the shutdown checkpoint: $(cat "$T/last.out")"
expect_exit 0 iot-gateway --json audit verify --key "$PUB" --stopped "$LOG"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["signatures_checked"] and d["ends_with_shutdown"] and d["last_checkpoint"]["kind"]=="shutdown" and d["head"]=="genesis", d' "$T/last.out" ||
  fail "--json: $(cat "$T/last.out")"
pass "a clean run: open checkpoint first, periodic every 5, shutdown last; verify --key --stopped passes and reports the last checkpoint"

# An independent check of one checkpoint: the documented bytes, openssl pkeyutl.
CK=$(grep '"checkpoint":"periodic"' "$LOG" | head -1)
"$PY" "$TOOL" signed-bytes "$CK" "$T/ck.msg" "$T/ck.sig"
openssl pkeyutl -verify -pubin -inkey "$PUB" -rawin -in "$T/ck.msg" -sigfile "$T/ck.sig" >/dev/null ||
  fail "openssl pkeyutl does not verify the checkpoint"
KID=$(openssl pkey -pubin -in "$PUB" -outform DER | sha256sum | cut -d' ' -f1)
grep -q "\"kid\":\"$KID\"" <<<"$CK" || fail "kid is not the SHA-256 of the public key DER"
pass "a checkpoint verifies with openssl pkeyutl over the documented bytes; kid = SHA-256 of the SPKI DER"

# --- tampering, each on a copy
N=$(wc -l <"$LOG")
tail -n +4 "$LOG" >"$T/head.log"
expect_exit 65 iot-gateway audit verify --key "$PUB" "$T/head.log"
expect_err_contains "line 1: (seq 4) the log starts here"
expect_err_contains "lines before it were removed"
P2=$("$PY" "$TOOL" line-of "$LOG" AUDIT_CHECKPOINT periodic 2)
tail -n +"$P2" "$LOG" >"$T/head2.log"
expect_exit 65 iot-gateway audit verify --key "$PUB" "$T/head2.log"
expect_err_contains "lines before it were removed"
pass "removed head (3 lines; or cut exactly at a periodic checkpoint) -> exit 65 naming line 1"

PL=$(grep -n '"checkpoint":"periodic"' "$LOG" | tail -1 | cut -d: -f1)
head -n "$PL" "$LOG" >"$T/tail.log"
expect_exit 65 iot-gateway audit verify --key "$PUB" --stopped "$T/tail.log"
expect_err_contains "does not end with the gateway's shutdown checkpoint"
expect_err_contains "the last checkpoint is line $PL"
# Cut a few records past the last checkpoint too: they are reported as unsigned.
head -n $((PL + 2)) "$LOG" >"$T/tail2.log"
[ $((PL + 2)) -lt "$N" ] || cp "$T/tail.log" "$T/tail2.log"
expect_exit 65 iot-gateway audit verify --key "$PUB" --stopped "$T/tail2.log"
expect_err_contains "does not end with the gateway's shutdown checkpoint"
pass "removed tail after a checkpoint -> exit 65 with --stopped, naming the last checkpoint"

"$PY" "$TOOL" edit "$LOG" "$T/edit.log" 7
expect_exit 65 iot-gateway audit verify --key "$PUB" --stopped "$T/edit.log"
expect_err_contains "line 7"
"$PY" "$TOOL" recompute "$LOG" "$T/recomputed.log" 3
expect_exit 0 iot-gateway audit verify "$T/recomputed.log"  # the bare chain cannot tell
expect_exit 65 iot-gateway audit verify --key "$PUB" --stopped "$T/recomputed.log"
expect_err_contains "signature does not verify"
expect_err_contains "hashes recomputed"
pass "edited line -> exit 65 naming line 7; recomputed chain (passes the bare chain check) -> signature failure"

iot-gateway audit key new --out "$T/other.key" >/dev/null
expect_exit 65 iot-gateway audit verify --key "$T/other.key.pub" "$LOG"
expect_err_contains "not by the given key"
pass "a checkpoint key other than the given one -> exit 65"

# --- rsyslog holds every record
for _ in $(seq 1 100); do
  [ "$(grep -c . "$RS/out.log" 2>/dev/null || echo 0)" -ge "$N" ] && break
  sleep 0.1
done
"$PY" "$TOOL" compare "$LOG" "$RS/out.log" >"$T/cmp.out" || fail "$(cat "$T/cmp.out")"
grep -q "^$N of $N records at the collector; 0 stated lost" "$T/cmp.out" || fail "$(cat "$T/cmp.out")"
pass "rsyslog received every record of the run ($N lines, identical to the local log)"

# --- collector down: the gateway keeps serving, counts, catches up or states the loss
gw_start
rs_stop
expect_status 200 dev_curl dev-1 -X POST "$(URL /auth/token)"
for _ in $(seq 1 120); do expect_status 401 gw_curl -X POST "$(URL /auth/token)"; done
expect_status 200 dev_curl dev-1 -X POST "$(URL /auth/token)"
metric() { gw_curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
DROPPED=$(metric iot_gateway_audit_syslog_dropped_total)
[ "${DROPPED%.*}" -gt 0 ] || fail "dropped counter did not rise: $DROPPED"
[ "$(metric iot_gateway_audit_syslog_connected)" = 0 ] || fail "still connected to a stopped collector"
pass "collector down: the gateway serves on (200/401), iot_gateway_audit_syslog_dropped_total = $DROPPED"

rs_start
for _ in $(seq 1 150); do
  [ "$(audit_count AUDIT_FORWARD_LOST)" -ge 1 ] && break
  sleep 0.1
done
expect_audit AUDIT_FORWARD_LOST 1
grep -q "seq [0-9]*-[0-9]*) were not forwarded" <<<"$(last_audit AUDIT_FORWARD_LOST)" ||
  fail "loss record: $(last_audit AUDIT_FORWARD_LOST)"
gw_stop
for _ in $(seq 1 100); do
  tail -1 "$RS/out.log" | grep -q '"checkpoint":"shutdown"' && break
  sleep 0.1
done
"$PY" "$TOOL" compare "$LOG" "$RS/out.log" >"$T/cmp.out" || fail "$(cat "$T/cmp.out")"
expect_exit 0 iot-gateway audit verify --key "$PUB" --stopped "$LOG"
pass "collector back: $(cat "$T/cmp.out"); AUDIT_FORWARD_LOST names the range; the local log still verifies"

# --- the tail cut without --stopped: detected once the next checkpoint is overdue
# (2 x checkpoint_interval + 5 s after the last one).
for _ in $(seq 1 150); do
  rc=0
  iot-gateway audit verify --key "$PUB" "$T/tail.log" >/dev/null 2>"$T/last.err" || rc=$?
  [ "$rc" = 65 ] && break
  sleep 0.1
done
[ "$rc" = 65 ] || fail "a tail cut after a checkpoint still passes once it is overdue"
expect_err_contains "records after it were cut"
pass "removed tail, no --stopped: exit 65 once the next checkpoint is overdue"

finish
