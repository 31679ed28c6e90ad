#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shipped Argon2id cost (t=3, 64 MiB, p=1) end to end: the stored PHC string says
# so, and a token made with it enrolls.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
H=$T/pki
new_home "$H" default-cost
(umask 077 && iot-provision --home "$H" token --device-id meter-7 >"$T/tok" 2>/dev/null)
phc=$(sql "$H" "SELECT hash FROM tokens")
case "$phc" in '$argon2id$v=19$m=65536,t=3,p=1$'*) ;; *) fail "PHC string: $phc" ;; esac
salt=$(echo "$phc" | cut -d'$' -f5)
[ "${#salt}" -eq 22 ] || fail "salt is not 16 bytes: $salt"
make_device_csr meter-7 "$T/dev"
iot-provision --home "$H" enroll --token-file "$T/tok" --csr "$T/dev/meter-7.csr" \
  --out "$T/meter-7.crt" >/dev/null || fail "enroll at the default cost"
openssl verify -CAfile "$(bundle_of "$H")" "$T/meter-7.crt" >/dev/null || fail "verify"
pass "default cost: \$argon2id\$v=19\$m=65536,t=3,p=1, 16-byte salt, token enrolls"
finish
