#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Class: hostile trust files (issue 9 item 9). Whoever can replace crl.pem, the bundle
# or the server certificate must not be able to stall or exhaust the gateway: every
# trust file is opened non-blocking, must be a regular file and is read with a cap;
# reloads run on their own thread, never on the strand that accepts connections and
# handles signals.
#   * running: crl.pem, ca-bundle.pem and server.crt replaced by a FIFO, a symlink to
#     /dev/zero, a 300 MiB file, a directory -> CRL_REJECTED naming the reason (the
#     server certificate: refused on stderr), the last good set keeps serving;
#   * a slow reload (a 200 MiB CRL file under the cap) never holds up handshakes;
#   * SIGTERM with a FIFO in place stops the gateway promptly;
#   * JWT key files that are a FIFO or a symlink to /dev/zero are skipped;
#   * start-up: check-config and start refuse each of them with exit 78 and a message
#     (start also for a deny-list state file that is a FIFO or /dev/zero).
# Fails before the fix: a FIFO in place of crl.pem blocked the reload on the acceptor's
# strand (no new connection accepted, SIGTERM ignored), /dev/zero was read until memory
# ran out, and check-config hung on a FIFO.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../gateway/lib.sh"
# A gateway stuck on a FIFO ignores SIGTERM (the fault under test): on the way out it is
# killed outright, so a failing run still ends.
trap 'kill -KILL "${GW_PID:-0}" 2>/dev/null || true; _cleanup' EXIT

gw_pki
gw_device dev-1
GW_RELOAD=1s gw_config
gw_start_backend
gw_start
TOK=$(token_for dev-1)
cp "$GW/trust/crl.pem" "$T/good-crl.pem"
cp "$GW/trust/ca-bundle.pem" "$T/good-bundle.pem"
cp "$GW/server.crt" "$T/good-server.crt"
# The test's own clients read a copy of the bundle: the original is about to be a FIFO.
gw_curl() { curl -sS --max-time "$CURL_MAX" --cacert "$T/good-bundle.pem" "$@"; }

still_serving() {  # still_serving WHAT: the last good set answers as before
  expect_status 200 dev_curl dev-1 -X POST "$(URL /auth/token)"
  expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $TOK" "$(URL /api/x)"
  kill -0 "$GW_PID" 2>/dev/null || fail "gateway died after $1"
}
# hostile KIND PATH: puts a hostile object of that kind at PATH.
hostile() {
  rm -rf "$2"
  case $1 in
    fifo) mkfifo "$2" ;;
    devzero) ln -s /dev/zero "$2" ;;
    huge) truncate -s 300M "$2" ;;
    directory) mkdir "$2" ;;
  esac
}
reason_of() {
  case $1 in
    huge) echo "at most" ;;
    *) echo "not a regular file" ;;
  esac
}
restore() { rm -rf "$1" && cp "$2" "$1"; }

n=0
for file in crl bundle; do
  path=$GW/trust/crl.pem good=$T/good-crl.pem
  [ "$file" = bundle ] && path=$GW/trust/ca-bundle.pem good=$T/good-bundle.pem
  for kind in fifo devzero huge directory; do
    hostile "$kind" "$path"
    n=$((n + 1))
    wait_crl_event CRL_REJECTED "$n"
    last_audit CRL_REJECTED | grep -q "trust.$file: .*$(reason_of "$kind")" ||
      fail "$file as $kind: reason $(last_audit CRL_REJECTED)"
    still_serving "$file as $kind"
    restore "$path" "$good"
  done
  pass "trust.$file replaced by a FIFO, a symlink to /dev/zero, a 300 MiB file, a directory -> CRL_REJECTED with the reason, last good set still serving"
done

for kind in fifo devzero huge; do
  before=$(grep -c "server certificate refused" "$T/gateway.err" || true)
  hostile "$kind" "$GW/server.crt"
  for _ in $(seq 1 100); do
    [ "$(grep -c "server certificate refused" "$T/gateway.err" || true)" -gt "$before" ] && break
    sleep 0.1
  done
  [ "$(grep -c "server certificate refused" "$T/gateway.err" || true)" -gt "$before" ] ||
    fail "server.crt as $kind: not refused: $(tail -3 "$T/gateway.err")"
  still_serving "server.crt as $kind"
  restore "$GW/server.crt" "$T/good-server.crt"
done
pass "server.crt replaced by a FIFO, /dev/zero or a 300 MiB file -> refused, the old certificate keeps serving"

# JWT key files: only regular <kid>.key files are read; a FIFO or /dev/zero is skipped.
mkfifo "$GW/jwt/fifo.key"
ln -s /dev/zero "$GW/jwt/zero.key"
sleep 2.5  # two polls of reload_interval = 1s
still_serving "a FIFO and /dev/zero among the JWT keys"
rm -f "$GW/jwt/fifo.key" "$GW/jwt/zero.key"
pass "a FIFO and a symlink to /dev/zero among the JWT key files are skipped; keys and tokens unaffected"

# A slow reload: 200 MiB of base64 inside one PEM block (under the 256 MiB cap, so it
# is read and decoded before it is refused). Handshakes go on meanwhile.
"$PY" - "$T/slow.pem" <<'PY'
import sys
line = b"A" * 64 + b"\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"-----BEGIN X509 CRL-----\n")
    f.write(line * (200 * 1024 * 1024 // len(line)))
    f.write(b"-----END X509 CRL-----\n")
PY
cp "$T/slow.pem" "$GW/trust/.crl.tmp"
mv "$GW/trust/.crl.tmp" "$GW/trust/crl.pem"
slow=0 count=0
start=$(date +%s%N)
while [ "$(audit_count CRL_REJECTED)" -le "$n" ]; do
  t0=$(date +%s%N)
  code=$(http_status gw_curl --max-time 2 "$(URL /healthz)")
  [ "$code" = 200 ] || fail "handshake during the slow reload: HTTP $code"
  count=$((count + 1))
  [ $(($(date +%s%N) - t0)) -lt 1500000000 ] || slow=$((slow + 1))
  [ $(($(date +%s%N) - start)) -lt 60000000000 ] || fail "slow reload not finished in 60 s"
done
[ "$slow" -eq 0 ] || fail "$slow handshake(s) took more than 1.5 s during the reload"
n=$((n + 1))
still_serving "the slow reload"
restore "$GW/trust/crl.pem" "$T/good-crl.pem"
took=$((($(date +%s%N) - start) / 1000000))
pass "a slow reload (200 MiB CRL file, ${took} ms) runs beside the listener: all $count handshakes meanwhile answered in < 1.5 s"

hostile fifo "$GW/trust/crl.pem"
n=$((n + 1))
wait_crl_event CRL_REJECTED "$n"
kill -TERM "$GW_PID"
for _ in $(seq 1 100); do
  kill -0 "$GW_PID" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$GW_PID" 2>/dev/null; then
  kill -KILL "$GW_PID"
  fail "SIGTERM with a FIFO as crl.pem: still running after 10 s"
fi
rc=0
wait "$GW_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "gateway exited $rc after SIGTERM"
pass "SIGTERM with a FIFO in place of crl.pem stops the gateway within 10 s, exit 0"

# Start-up: check-config and start refuse each kind, exit 78, naming the file.
for file in crl bundle; do
  path=$GW/trust/crl.pem good=$T/good-crl.pem
  [ "$file" = bundle ] && path=$GW/trust/ca-bundle.pem good=$T/good-bundle.pem
  for kind in fifo devzero huge directory; do
    hostile "$kind" "$path"
    expect_exit 78 timeout 20 iot-gateway check-config --config "$GW/gateway.toml"
    grep -q "trust.$file: .*$(reason_of "$kind")" "$T/last.out" "$T/last.err" ||
      fail "check-config, $file as $kind: $(cat "$T/last.out" "$T/last.err")"
    expect_exit 78 timeout 20 iot-gateway --config "$GW/gateway.toml"
    expect_err_contains "$(reason_of "$kind")"
  done
  restore "$path" "$good"
done
for kind in fifo devzero; do
  hostile "$kind" "$GW/state/denied-serials.json"
  expect_exit 78 timeout 20 iot-gateway --config "$GW/gateway.toml"
  expect_err_contains "not a regular file"
  rm -f "$GW/state/denied-serials.json"
done
expect_exit 0 iot-gateway check-config --config "$GW/gateway.toml"
pass "check-config and start refuse a FIFO, /dev/zero, a 300 MiB file or a directory as bundle or CRL (start: also a deny-list state file): exit 78, the reason named"
finish
