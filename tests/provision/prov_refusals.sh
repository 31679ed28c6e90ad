#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every refusal: a clear message, the SPEC exit code, no certificate written, and (for
# a failed attempt) the token is still good afterwards.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
H=$T/pki
new_home "$H"
umask 077
make_device_csr cam-1 "$T/dev"
make_device_csr cam-2 "$T/dev"
tok() { iot-provision --home "$H" token --device-id "$1" "${@:2}" 2>/dev/null; }
enroll() { iot-provision --home "$H" enroll --csr "$2" --out "$3" --token-file "$1"; }
no_cert() { [ ! -e "$1" ] || fail "a certificate was written to $1"; }
not_leaked() {
  # iotp_ + 24-character id + _ + secret; the base64url secret may itself hold '_'.
  local secret=${1:30}
  grep -qF -- "$secret" "$T/last.err" "$T/last.out" && fail "the token secret is in the output"
  true
}

tok cam-1 >"$T/good"
good=$(cat "$T/good")

# Malformed tokens: exit 65, the input is not echoed.
for bad in "" "hello" "iotp_${good:5:24}" "iotq_${good:5}" "iotp_${good:5:23}X_${good:30}" \
  "${good}A" "${good:0:72}" "iotp_${good:5:24}_${good:30:42}!"; do
  printf '%s\n' "$bad" >"$T/bad"
  expect_exit 65 enroll "$T/bad" "$T/dev/cam-1.csr" "$T/out.crt"
  expect_err_contains "malformed token"
  no_cert "$T/out.crt"
done
pass "malformed tokens: exit 65 'malformed token', nothing written"

# Right id, wrong secret: exit 77, no secret in the message, token not consumed.
wrong="${good:0:30}$(printf 'A%.0s' $(seq 1 42))A"
[ "${#wrong}" -eq "${#good}" ] || fail "test bug: wrong token length"
printf '%s\n' "$wrong" >"$T/wrong"
expect_exit 77 enroll "$T/wrong" "$T/dev/cam-1.csr" "$T/out.crt"
expect_err_contains "authentication failed"
not_leaked "$good"
no_cert "$T/out.crt"
# Unknown id (well-formed): the same message.
printf 'iotp_%s_%s\n' 000000000000000000000000 "${good:30}" >"$T/unknown"
expect_exit 77 enroll "$T/unknown" "$T/dev/cam-1.csr" "$T/out.crt"
expect_err_contains "authentication failed: unknown token or wrong secret"
no_cert "$T/out.crt"
pass "wrong secret and unknown id: exit 77, same message, nothing written"

# A token for another device than the CSR's CN: exit 77, names both, not consumed.
expect_exit 77 enroll "$T/good" "$T/dev/cam-2.csr" "$T/out.crt"
expect_err_contains "token is for device 'cam-1' but the CSR's CN is 'cam-2'"
no_cert "$T/out.crt"
pass "token for another device id: exit 77, clear message, nothing written"

# A CSR with a broken signature and a file that is no CSR: exit 65.
corrupt_csr "$T/dev/cam-1.csr" "$T/broken.der"
expect_exit 65 enroll "$T/good" "$T/broken.der" "$T/out.crt"
expect_err_contains "signature does not verify"
no_cert "$T/out.crt"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/not-a-csr.pem" 2>/dev/null
expect_exit 65 enroll "$T/good" "$T/not-a-csr.pem" "$T/out.crt"
expect_err_contains "not a PEM certificate request"
echo "just text" >"$T/text.csr"
expect_exit 65 enroll "$T/good" "$T/text.csr" "$T/out.crt"
expect_err_contains "not a certificate request"
no_cert "$T/out.crt"
expect_exit 66 enroll "$T/good" "$T/missing.csr" "$T/out.crt"
expect_exit 66 enroll "$T/missing-token" "$T/dev/cam-1.csr" "$T/out.crt"
no_cert "$T/out.crt"
pass "broken CSR signature and non-CSR files: exit 65; missing inputs: exit 66"

# None of the failures above consumed the token.
[ "$(sql "$H" "SELECT count(*) FROM tokens WHERE used_at IS NULL")" = 1 ] || fail "token consumed"
expect_exit 0 enroll "$T/good" "$T/dev/cam-1.csr" "$T/cam-1.crt"
pass "failed attempts did not consume the token; the right one succeeds"

# Reuse: exit 77 naming the earlier certificate, nothing written.
serial=$(openssl x509 -in "$T/cam-1.crt" -noout -serial | cut -d= -f2)
expect_exit 77 enroll "$T/good" "$T/dev/cam-1.csr" "$T/again.crt"
expect_err_contains "already used"
expect_err_contains "$serial"
no_cert "$T/again.crt"
pass "reused token: exit 77 'already used' naming the serial, nothing written"

# Expired: --ttl 1s, then wait.
tok cam-2 --ttl 1s >"$T/short"
sleep 2
expect_exit 77 enroll "$T/short" "$T/dev/cam-2.csr" "$T/out.crt"
expect_err_contains "expired"
no_cert "$T/out.crt"
pass "expired token (--ttl 1s, wait 2s): exit 77 'expired', nothing written"

# Usage errors: a token value in argv is refused without echoing it; bad TTL; bad id.
expect_exit 2 iot-provision --home "$H" enroll --token "$good" --csr "$T/dev/cam-1.csr" --out "$T/x.crt"
expect_err_contains "only takes '-'"
not_leaked "$good"
expect_exit 2 iot-provision --home "$H" token --device-id cam-9 --ttl 40d
expect_exit 2 iot-provision --home "$H" token --device-id cam-9 --ttl soon
expect_exit 65 iot-provision --home "$H" token --device-id 'bad id'
expect_err_contains "device id"
expect_exit 2 iot-provision --home "$H" enroll --csr "$T/dev/cam-1.csr" --out "$T/x.crt"
expect_exit 66 iot-provision --home "$T/nowhere" token --device-id cam-9
pass "usage: --token VALUE refused unechoed (2), bad --ttl (2), bad id (65), no home (66)"
finish
