#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# 16 processes redeem one token at the same moment: exactly one certificate, 15
# refusals with exit 77, one use recorded.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
H=$T/pki
new_home "$H"
umask 077
iot-provision --home "$H" token --device-id gw-42 >"$T/tok" 2>/dev/null
make_device_csr gw-42 "$T/dev"
mkdir "$T/out"
for i in $(seq 1 16); do
  (
    while [ ! -e "$T/go" ]; do sleep 0.01; done
    rc=0
    iot-provision --home "$H" enroll --token-file "$T/tok" --csr "$T/dev/gw-42.csr" \
      --out "$T/out/$i.crt" >/dev/null 2>"$T/out/$i.err" || rc=$?
    echo "$rc" >"$T/out/$i.rc"
  ) &
  track_pid $!
done
touch "$T/go"
wait
ok=0 denied=0
for i in $(seq 1 16); do
  rc=$(cat "$T/out/$i.rc")
  case "$rc" in
    0) ok=$((ok + 1)) ;;
    77) denied=$((denied + 1)); grep -q "already used" "$T/out/$i.err" || fail "$i: $(cat "$T/out/$i.err")" ;;
    *) fail "process $i exited $rc: $(cat "$T/out/$i.err")" ;;
  esac
done
[ "$ok" -eq 1 ] && [ "$denied" -eq 15 ] || fail "ok=$ok denied=$denied"
[ "$(ls "$T"/out/*.crt | wc -l)" -eq 1 ] || fail "certificate files: $(ls "$T/out")"
[ "$(sql "$H" "SELECT count(*) FROM certs WHERE profile='device'")" = 1 ] || fail "certs in registry"
[ "$(sql "$H" "SELECT count(*) FROM journal WHERE action='token.redeem'")" = 1 ] || fail "journal"
serial=$(openssl x509 -in "$T"/out/*.crt -noout -serial | cut -d= -f2)
[ "$(sql "$H" "SELECT serial FROM tokens WHERE used_at IS NOT NULL")" = "$serial" ] || fail "use"
pass "16 concurrent redemptions: 1 certificate, 15 x exit 77 'already used', one use recorded"
finish
