#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An encrypted CA key: PKCS#8 with a passphrase from a 0600 file, never argv or env;
# a wrong passphrase is an authentication failure (77) that changes nothing.
. "$(dirname "$0")/../lib/common.sh"
H=$T/pki
umask 077
printf 'correct horse battery staple\n' >"$T/pass"
printf 'wrong\n' >"$T/wrong"
iot-ca --home "$H" init --cn "Encrypted Root" --key ec-p384 --passphrase-file "$T/pass" >/dev/null
head -n1 "$H/root/ca.key" | grep -q "BEGIN ENCRYPTED PRIVATE KEY" || fail "root key is not encrypted PKCS#8"
openssl pkey -in "$H/root/ca.key" -passin "file:$T/pass" -noout || fail "openssl cannot open the key with the passphrase"
if openssl pkey -in "$H/root/ca.key" -passin pass:nope -noout 2>/dev/null; then fail "opened with a wrong passphrase"; fi
pass "the root key is encrypted PKCS#8 that openssl opens with the passphrase"

iot-ca --home "$H" intermediate --name i1 --cn "Issuing" --passphrase-file "$T/pass" >/dev/null
head -n1 "$H/issuing/i1/ca.key" | grep -q "BEGIN ENCRYPTED PRIVATE KEY" || fail "issuing key is not encrypted"
pass "the issuing CA key is encrypted with the same passphrase"

make_device_csr dev-1 "$T"
rows() { sqlite3 "$H/registry.db" "SELECT count(*) FROM certs; SELECT count(*) FROM journal;"; }
before=$(rows)
expect_exit 77 iot-ca --home "$H" sign --csr "$T/dev-1.csr" --profile device --out "$T/dev-1.crt" --passphrase-file "$T/wrong"
expect_err_contains "wrong passphrase"
[ ! -e "$T/dev-1.crt" ] && [ "$(rows)" = "$before" ] || fail "a wrong passphrase changed something"
pass "a wrong passphrase is refused (77) with no file and no registry change"

# No passphrase file and no terminal: refused, not hung.
expect_exit 77 setsid iot-ca --home "$H" sign --csr "$T/dev-1.csr" --profile device --out "$T/dev-1.crt" </dev/null
expect_err_contains "--passphrase-file"
pass "an encrypted key without a terminal asks for --passphrase-file (77)"

chmod 0644 "$T/pass"
expect_exit 78 iot-ca --home "$H" sign --csr "$T/dev-1.csr" --profile device --out "$T/dev-1.crt" --passphrase-file "$T/pass"
expect_err_contains "chmod 600"
chmod 0600 "$T/pass"
pass "a passphrase file readable by others is refused (78)"

iot-ca --home "$H" sign --csr "$T/dev-1.csr" --profile device --out "$T/dev-1.crt" --passphrase-file "$T/pass" >/dev/null
openssl verify -CAfile "$H/root/ca.crt" -untrusted "$H/issuing/i1/ca.crt" "$T/dev-1.crt" >/dev/null || fail "verify"
pass "the right passphrase signs"

# A key encrypted the old way (OpenSSL's default PBKDF2, 2,048 iterations), made at test
# time by openssl itself, still opens: the stronger KDF only applies to keys we write.
cp "$T/pass" "$T/pass.out"  # openssl reads -passin and -passout from one BIO when they match
openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$H/issuing/i1/ca.key" -passin "file:$T/pass" \
  -passout "file:$T/pass.out" -out "$T/old.key"
openssl asn1parse -in "$T/old.key" | grep -q "INTEGER *:0800" || fail "the fixture is not PBKDF2 x 2048"
cp "$H/issuing/i1/ca.key" "$T/new.key"
cp "$T/old.key" "$H/issuing/i1/ca.key"
iot-ca --home "$H" sign --csr "$T/dev-1.csr" --profile device --out "$T/dev-1b.crt" --passphrase-file "$T/pass" >/dev/null
openssl verify -CAfile "$H/root/ca.crt" -untrusted "$H/issuing/i1/ca.crt" "$T/dev-1b.crt" >/dev/null || fail "verify (old key)"
cp "$T/new.key" "$H/issuing/i1/ca.key"
pass "a key encrypted with the old default (PBKDF2 x 2048) still signs"

# Keys we write: PBKDF2-HMAC-SHA256 with 600,000 iterations (0x927C0).
openssl asn1parse -in "$H/root/ca.key" | grep -q "INTEGER *:0927C0" || fail "root key KDF"
openssl asn1parse -in "$H/root/ca.key" | grep -q ":hmacWithSHA256" || fail "root key PRF"
pass "new keys are PBKDF2-HMAC-SHA256 x 600000 (openssl asn1parse)"

# Modes: keys 0600 in 0700 directories; the registry is private too.
[ "$(stat -c %a "$H")" = 700 ] && [ "$(stat -c %a "$H/root")" = 700 ] || fail "home/root dir modes"
[ "$(stat -c %a "$H/root/ca.key")" = 600 ] && [ "$(stat -c %a "$H/issuing/i1/ca.key")" = 600 ] || fail "key modes"
[ "$(stat -c %a "$H/registry.db")" = 600 ] || fail "registry mode $(stat -c %a "$H/registry.db")"
pass "keys are 0600 in 0700 directories; the registry is 0600"

# The passphrase appears in no file the tools wrote.
if grep -rl "correct horse" "$H" >/dev/null 2>&1; then fail "the passphrase leaked into the home"; fi
pass "the passphrase is stored nowhere"
finish
