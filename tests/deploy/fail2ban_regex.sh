#!/usr/bin/env bash
# fail2ban/filter.d/iot-gateway.conf, checked with fail2ban-regex against a gateway
# audit log: it counts exactly the failure records (each with its client address and
# the record's own "ts"), and none of the success or trust-material records, whatever
# the field order, and a device id cannot forge a failure for someone else.
#
# The log: $IOTGW_AUDIT_LOG when set (point it at a log a real gateway run wrote),
# otherwise one generated in the gateway's format (SPEC §5) by audit_log.py. Either
# way the expected matches come from parsing the JSON, not from a regex.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

need_cmd fail2ban-regex fail2ban
FILTER="$DEPLOY_DIR/fail2ban/filter.d/iot-gateway.conf"
AUDIT="$DEPLOY_TESTS/audit_log.py"

if [ -n "${IOTGW_AUDIT_LOG:-}" ]; then
  LOG=$IOTGW_AUDIT_LOG
  echo "# using the real gateway audit log $LOG"
else
  LOG="$T/audit.log"
  "$PY" "$AUDIT" sample "$LOG"
fi
"$PY" "$AUDIT" expect "$LOG" | LC_ALL=C sort >"$T/want.rows"
total=$(wc -l <"$LOG")
want=$(wc -l <"$T/want.rows")
[ "$want" -gt 0 ] || fail "the log holds no failure records to match"

# A time zone far from UTC: the "Z" in ts must be honoured, not the host's zone.
TZ=Pacific/Chatham fail2ban-regex --print-all-matched "$LOG" "$FILTER" >"$T/regex.out" 2>&1 ||
  fail "fail2ban-regex failed: $(cat "$T/regex.out")"
grep -q "^Lines: $total lines, 0 ignored, $want matched, $((total - want)) missed" "$T/regex.out" ||
  fail "want $want of $total lines matched: $(grep -A30 '^Lines:' "$T/regex.out")"
grep -q "Date template hits:" "$T/regex.out" || fail "no date template report"
grep -A3 "Date template hits:" "$T/regex.out" | grep -q "\[$total\]" ||
  fail "the ts datepattern did not hit every line: $(grep -A3 'Date template hits:' "$T/regex.out")"
pass "fail2ban-regex matches $want failure records of $total lines, no success record"

# Each match names the right client at the record's own time.
TZ=Pacific/Chatham fail2ban-regex -o row "$LOG" "$FILTER" 2>"$T/row.err" |
  sed -n "s/^\['\([^']*\)',[[:space:]]*\([0-9]*\),.*/\1 \2/p" | LC_ALL=C sort >"$T/got.rows"
diff "$T/want.rows" "$T/got.rows" >"$T/rows.diff" || fail "matched (ip, time) differ: $(cat "$T/rows.diff")"
pass "every match carries the record's remote_ip and its own ts (as UTC)"

if grep -q '192.0.2.66' "$T/got.rows"; then fail "an injected device id forged a failure"; fi
if [ -z "${IOTGW_AUDIT_LOG:-}" ]; then
  grep -q '192.0.2.66' "$LOG" || fail "the sample lost its injection lines"
  grep -q '^2001:db8:2::9 ' "$T/got.rows" || fail "reordered IPv6 failure not matched"
fi
pass "injected text in a field cannot forge a failure; field order does not matter"
finish
