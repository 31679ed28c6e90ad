#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Enrollment with an encrypted issuing CA key: --passphrase-file on enroll and
# enroll --batch; a wrong or missing passphrase refuses (77) without spending the token.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
H=$T/pki
umask 077
printf 'correct horse battery staple\n' >"$T/pass"
printf 'wrong\n' >"$T/wrong"
iot-ca --home "$H" init --cn "Enc Root" --key ec-p256 --passphrase-file "$T/pass" >/dev/null
iot-ca --home "$H" intermediate --name l1 --cn "Enc Line" --passphrase-file "$T/pass" >/dev/null
sed -i -e 's/^t_cost = .*/t_cost = 1/' -e 's/^m_cost_kib = .*/m_cost_kib = 8192/' "$H/iot-pki.toml"
iot-provision --home "$H" token --device-id lock-1 --out "$T/tok" >/dev/null
make_device_csr lock-1 "$T/dev"
unused() { [ "$(sql "$H" "SELECT count(*) FROM tokens WHERE used_at IS NULL")" = "$1" ] || fail "token spent"; }

expect_exit 77 iot-provision --home "$H" enroll --token-file "$T/tok" --csr "$T/dev/lock-1.csr" \
  --out "$T/lock-1.crt" --passphrase-file "$T/wrong"
expect_err_contains "passphrase"
[ ! -e "$T/lock-1.crt" ] || fail "certificate written"
unused 1
expect_exit 77 setsid iot-provision --home "$H" enroll --token-file "$T/tok" \
  --csr "$T/dev/lock-1.csr" --out "$T/lock-1.crt" </dev/null
expect_err_contains "--passphrase-file"
unused 1
pass "wrong or missing CA passphrase: exit 77, no certificate, the token is still good"

expect_exit 0 iot-provision --home "$H" enroll --token-file "$T/tok" --csr "$T/dev/lock-1.csr" \
  --out "$T/lock-1.crt" --passphrase-file "$T/pass"
openssl verify -CAfile "$H/root/ca.crt" -untrusted "$H/issuing/l1/ca.crt" "$T/lock-1.crt" >/dev/null ||
  fail "verify"
pass "the right passphrase file enrolls"

make_csrs 3 lock "$T/csr"
printf 'lock-%04d\n' 1 2 3 >"$T/ids"
iot-provision --home "$H" token --batch "$T/ids" --out "$T/tokens.csv" >/dev/null
{ echo "token,csr_path"; tail -n +2 "$T/tokens.csv" | awk -F, '{print $2 ",csr/" $1 ".csr"}'; } >"$T/m.csv"
expect_exit 77 iot-provision --home "$H" enroll --batch "$T/m.csv" --out-dir "$T/out" \
  --passphrase-file "$T/wrong"
unused 3
expect_exit 0 iot-provision --home "$H" enroll --batch "$T/m.csv" --out-dir "$T/out" \
  --passphrase-file "$T/pass"
[ "$(ls "$T"/out/*.crt | wc -l)" -eq 3 ] || fail "batch certificates"
pass "enroll --batch: a wrong passphrase stops before any row (77); the right one enrolls all"
finish
