#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# iot-ca list (issue 15): --expiring DURATION (active certificates ending within it,
# soonest first), filters by device, issuer and profile, a header row and aligned
# columns for people, the same records in --json. Fails before the change: the baseline
# has no --expiring, --device, --issuer or --profile (exit 2).
. "$(dirname "$0")/../lib/common.sh"
H=$T/pki
pki_home "$H" iss1
iot-ca --home "$H" intermediate --name iss2 --cn "Issuing iss2" --key ec-p256 --no-passphrase >/dev/null 2>&1
issue() {  # issue ID DAYS [CA [PROFILE]]
  make_device_csr "$1" "$T"
  iot-ca --home "$H" sign --csr "$T/$1.csr" --days "$2" --ca "${3:-iss1}" --profile "${4:-device}" \
    --out "$T/$1.crt" >/dev/null
}
issue dev-a 100
issue dev-b 10
issue dev-c 1 iss2
issue dev-d 20
issue dev-e 5
iot-revoke --home "$H" cert "$(openssl x509 -in "$T/dev-e.crt" -noout -serial | cut -d= -f2)" \
  --reason keyCompromise >/dev/null

iot-ca --home "$H" list --expiring 30d >"$T/exp.txt"
head -1 "$T/exp.txt" | grep -q '^SERIAL  *STATUS  *PROFILE  *ISSUER  *SUBJECT  *NOT_AFTER' ||
  fail "no header row: $(head -1 "$T/exp.txt")"
subjects=$(tail -n +2 "$T/exp.txt" | grep -o 'CN=dev-[a-e]' | tr '\n' ' ')
[ "$subjects" = "CN=dev-c CN=dev-b CN=dev-d " ] ||
  fail "--expiring 30d should list dev-c, dev-b, dev-d soonest first (not the revoked dev-e, not dev-a): '$subjects'"
# Aligned: every row's STATUS column starts where the header's does.
col=$(head -1 "$T/exp.txt" | grep -bo STATUS | cut -d: -f1)
tail -n +2 "$T/exp.txt" | while IFS= read -r line; do
  [ "${line:$col:6}" = active ] || fail "column STATUS not aligned at $col: '$line'"
done
pass "list --expiring 30d: active certificates ending within 30 days, soonest first, header and aligned columns"

n=$(iot-ca --home "$H" --json list --expiring 30d | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 3 ] || fail "--json --expiring: $n records"
iot-ca --home "$H" list --expiring 1h | grep -q "no active certificate ends within 1h" || fail "empty --expiring"
pass "the same selection in --json; an empty one says so"

[ "$(iot-ca --home "$H" list --device dev-b | tail -n +2 | wc -l)" = 1 ] || fail "--device"
[ "$(iot-ca --home "$H" list --issuer iss2 --profile device | tail -n +2 | grep -c 'CN=dev-c')" = 1 ] ||
  fail "--issuer iss2 --profile device"
iot-ca --home "$H" list --issuer iss2 --profile device | tail -n +2 | grep -q 'CN=dev-[abde]' &&
  fail "--issuer iss2 shows another CA's certificates"
[ "$(iot-ca --home "$H" list --profile issuing | tail -n +2 | wc -l)" = 2 ] || fail "--profile issuing"
iot-ca --home "$H" list --status revoked | grep -q 'keyCompromise' || fail "revoked with its reason"
iot-ca --home "$H" list --device nobody | grep -q "no certificates matching the filters" || fail "empty filter"
pass "filters by device, issuer and profile, alone and together"

expect_exit 2 iot-ca --home "$H" list --expiring 30x
expect_exit 2 iot-ca --home "$H" list --expiring 30d --status revoked
expect_err_contains "--expiring lists active certificates"
expect_exit 2 iot-ca --home "$H" list --profile robot
pass "a bad duration, --expiring with another status and an unknown profile are usage errors"
finish
