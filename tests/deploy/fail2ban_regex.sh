#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fail2ban/filter.d/iot-gateway.conf, checked with fail2ban-regex: on a gateway audit
# log it counts exactly the failure records (each with its client address and the
# record's own "ts"), and none of the success or trust-material records.
#
# Logs checked:
#   1. a sample in the gateway's format (SPEC §5) from audit_log.py: every event name,
#      IPv6, other field orders, and field values that try to forge a failure;
#   2. the log a real gateway run writes ($IOTPKI_BIN/iot-gateway on loopback, with
#      a PKI made by iot-ca, driven by curl: failures and successes);
#   3. $IOTGW_AUDIT_LOG, when set (any log a real gateway wrote).
# For each, the expected matches come from parsing the JSON, not from a regex.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

need_cmd fail2ban-regex fail2ban
need_cmd curl curl
FILTER="$DEPLOY_DIR/fail2ban/filter.d/iot-gateway.conf"
AUDIT="$DEPLOY_TESTS/audit_log.py"

# check_log LOG LABEL : the three properties, on one log.
check_log() {
  local log=$1 label=$2 total want
  "$PY" "$AUDIT" expect "$log" | LC_ALL=C sort >"$T/want.rows"
  total=$(wc -l <"$log")
  want=$(wc -l <"$T/want.rows")
  [ "$want" -gt 0 ] || fail "$label: the log holds no failure records to match"
  [ "$want" -lt "$total" ] || fail "$label: the log holds no record that must be missed"

  # A time zone far from UTC: the "Z" in ts must be honoured, not the host's zone.
  TZ=Pacific/Chatham fail2ban-regex --print-all-matched "$log" "$FILTER" >"$T/regex.out" 2>&1 ||
    fail "$label: fail2ban-regex failed: $(cat "$T/regex.out")"
  # A client's failure the event table does not count toward a ban (RATE_LIMITED,
  # IP_BANNED, CRL_STALE) is "ignored" by ignoreregex; either way it is not matched.
  grep -Eq "^Lines: $total lines, [0-9]+ ignored, $want matched, [0-9]+ missed" "$T/regex.out" ||
    fail "$label: want $want of $total lines matched: $(grep -A40 '^Lines:' "$T/regex.out")"
  grep -q "\[$total\]" <<<"$(grep -A3 "Date template hits:" "$T/regex.out")" ||
    fail "$label: the ts datepattern did not hit every line: $(grep -A3 'Date template hits:' "$T/regex.out")"
  pass "$label: fail2ban-regex matches the $want failure records of $total lines, no success record"

  TZ=Pacific/Chatham fail2ban-regex -o row "$log" "$FILTER" 2>"$T/row.err" |
    sed -n "s/^\['\([^']*\)',[[:space:]]*\([0-9]*\),.*/\1 \2/p" | LC_ALL=C sort >"$T/got.rows"
  diff "$T/want.rows" "$T/got.rows" >"$T/rows.diff" || fail "$label: matched (ip, time) differ: $(cat "$T/rows.diff")"
  pass "$label: every match carries the record's remote_ip and its own ts (as UTC)"
}

# --- 1. sample ------------------------------------------------------------------------
"$PY" "$AUDIT" sample "$T/sample.log"
check_log "$T/sample.log" sample
grep -q '192.0.2.66' "$T/sample.log" || fail "the sample lost its injection lines"
if grep -q '192.0.2.66' "$T/got.rows"; then fail "an injected field value forged a failure"; fi
grep -q '^2001:db8:2::9 ' "$T/got.rows" || fail "reordered IPv6 failure not matched"
pass "sample: injected text in a field cannot forge a failure; field order does not matter"

# --- 2. a real gateway run ------------------------------------------------------------
real_gateway_log() {  # writes $T/gw/audit.log
  local port pid
  port=$(free_port)
  gw_setup "$T/gw" "127.0.0.1:$port"
  iot-gateway --config "$T/gw/gateway.toml" 2>"$T/gw/stderr" &
  pid=$!
  track_pid "$pid"
  local url="https://localhost:$port" c=(curl -s -o /dev/null --max-time 5 --cacert "$T/gw/trust/ca-bundle.pem"
    --resolve "localhost:$port:127.0.0.1")
  wait_for "${c[@]}" "$url/healthz"
  # Failures (fewer than the gateway's own ban threshold of 10): no client
  # certificate, no token, a malformed token, an alg=none token.
  "${c[@]}" -X POST "$url/auth/token" || true
  "${c[@]}" -X POST "$url/auth/token" || true
  "${c[@]}" "$url/api/hello" || true
  "${c[@]}" -H 'Authorization: Bearer abc.def.ghi' "$url/api/hello" || true
  "${c[@]}" -H 'Authorization: Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJkZXYtMSJ9.' "$url/api/hello" || true
  # Successes: two tokens for the device.
  "${c[@]}" --cert "$T/gw/dev/dev-1.crt" --key "$T/gw/dev/dev-1.key" -X POST "$url/auth/token" || true
  "${c[@]}" --cert "$T/gw/dev/dev-1.crt" --key "$T/gw/dev/dev-1.key" -X POST "$url/auth/token" || true
  kill -TERM "$pid"
  wait "$pid" || fail "gateway exited with status $? on SIGTERM: $(cat "$T/gw/stderr")"
  [ -s "$T/gw/audit.log" ] || fail "the gateway wrote no audit log: $(cat "$T/gw/stderr")"
}
if have_gateway; then
  real_gateway_log
  grep -q '"event":"TOKEN_ISSUED","outcome":"success"' "$T/gw/audit.log" ||
    fail "real log has no TOKEN_ISSUED success: $(cat "$T/gw/audit.log")"
  [ "$(grep -c '"outcome":"failure"' "$T/gw/audit.log")" -ge 5 ] ||
    fail "real log has fewer than 5 failures: $(cat "$T/gw/audit.log")"
  check_log "$T/gw/audit.log" "real gateway log"
else
  fail "$IOTPKI_BIN/iot-gateway and iot-ca must be built: the filter is checked on a real gateway's log"
fi

# --- 3. a log given from outside ---------------------------------------------------------
if [ -n "${IOTGW_AUDIT_LOG:-}" ]; then
  check_log "$IOTGW_AUDIT_LOG" "$IOTGW_AUDIT_LOG"
fi
finish
