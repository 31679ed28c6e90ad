#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Class: a CA key written or opened with no real passphrase (issue 9 item 13, issue 15
# "Keys"). Every way a passphrase is read refuses an empty one (65): an empty file, an
# empty first line, and for new keys white space only or fewer than 12 characters.
# Without a terminal and without --passphrase-file, init and intermediate refuse (2)
# instead of writing a clear key; --no-passphrase is the only way to one, with a
# warning on stderr and in --json. Nothing is written by a refused command.
# Fails before the fix: an empty passphrase file, an empty first line, or no terminal
# made init write an unencrypted root key and exit 0; "abc" was accepted at the prompt
# (and an empty answer meant no encryption); an empty passphrase for an existing key
# was "wrong passphrase" (77).
. "$(dirname "$0")/../lib/common.sh"
umask 077
printf '' >"$T/empty"
printf '\ncorrect horse battery staple\n' >"$T/empty-line"
printf '\r\n' >"$T/crlf"
printf '              \n' >"$T/blank"
printf 'abc\n' >"$T/abc"
printf '12345678901\n' >"$T/eleven"
printf 'correct horse battery staple\n' >"$T/pass"

for f in empty empty-line crlf blank abc eleven; do
  expect_exit 65 iot-ca --home "$T/h-$f" init --cn "Root" --key ec-p256 --passphrase-file "$T/$f"
  expect_err_contains "passphrase"
  [ ! -e "$T/h-$f" ] || fail "init with passphrase file '$f' created the home"
done
expect_err_contains "at least 12"
pass "init refuses an empty, blank or short passphrase (65) and creates nothing"

# No terminal (setsid: no controlling tty; stdin /dev/null) and no flag: refused.
expect_exit 2 setsid iot-ca --home "$T/h-notty" init --cn "Root" --key ec-p256 </dev/null
expect_err_contains "--no-passphrase"
[ ! -e "$T/h-notty" ] || fail "init without a terminal created the home"
expect_exit 2 iot-ca --home "$T/h-notty" init --cn "Root" --passphrase-file "$T/pass" --no-passphrase
pass "init with no terminal and no --passphrase-file refuses (2), writes nothing"

# At a terminal (script(1) gives the command a pty): "abc" and an empty answer are
# refused; a long enough passphrase typed twice encrypts the key.
tty_init() {  # tty_init HOME ANSWER...: types each answer at the prompt
  local home=$1
  shift
  { sleep 0.5; for a in "$@"; do printf '%s\n' "$a"; sleep 0.5; done; sleep 1; } |
    timeout 20 script -qec "iot-ca --home '$home' init --cn Root --key ec-p256" /dev/null >"$T/tty.out" 2>&1
}
for answer in abc ""; do
  rc=0
  tty_init "$T/h-tty" "$answer" || rc=$?
  [ "$rc" = 65 ] || fail "terminal answer '$answer': exit $rc: $(cat "$T/tty.out")"
  [ ! -e "$T/h-tty" ] || fail "terminal answer '$answer' created the home"
done
tty_init "$T/h-tty" "correct horse battery" "correct horse battery" || fail "terminal: $(cat "$T/tty.out")"
head -n1 "$T/h-tty/root/ca.key" | grep -q "BEGIN ENCRYPTED PRIVATE KEY" || fail "terminal: the key is not encrypted"
pass "at a terminal, 'abc' and an empty passphrase are refused (65); a strong one typed twice encrypts"

# --no-passphrase: a clear key, said loudly.
iot-ca --home "$T/h-clear" init --cn "Clear Root" --key ec-p256 --no-passphrase >"$T/out" 2>"$T/err"
grep -q "warning: .*NOT encrypted" "$T/err" || fail "no warning on stderr: $(cat "$T/err")"
head -n1 "$T/h-clear/root/ca.key" | grep -q "BEGIN PRIVATE KEY" || fail "the key is not plain PKCS#8"
iot-ca --home "$T/h-clear2" --json init --cn "Clear Root" --key ec-p256 --no-passphrase >"$T/out.json" 2>/dev/null
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["encrypted"] is False and "NOT encrypted" in d["warning"], d' "$T/out.json" ||
  fail "no warning in --json"
expect_exit 2 setsid iot-ca --home "$T/h-clear" intermediate --name i1 --cn "I1" </dev/null
[ ! -e "$T/h-clear/issuing/i1" ] || fail "intermediate without a passphrase created the CA"
iot-ca --home "$T/h-clear" intermediate --name i1 --cn "I1" --no-passphrase >/dev/null 2>"$T/err"
grep -q "warning: .*NOT encrypted" "$T/err" || fail "intermediate: no warning"
pass "--no-passphrase writes a clear key with a warning on stderr and in --json (init and intermediate)"

# An encrypted home; every command that opens a key refuses an empty passphrase (65).
H=$T/h-enc
start=$(date +%s%N)
iot-ca --home "$H" init --cn "Enc Root" --key ec-p256 --passphrase-file "$T/pass" >/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
echo "# init with PBKDF2 x 600000: $ms ms"
iot-ca --home "$H" intermediate --name i1 --cn "Enc Issuing" --key ec-p256 --passphrase-file "$T/pass" >/dev/null
for f in abc eleven; do
  expect_exit 65 iot-ca --home "$H" intermediate --name "i-$f" --cn X --passphrase-file "$T/$f"
  [ ! -e "$H/issuing/i-$f" ] || fail "intermediate with '$f' created the CA"
done
sed -i -e 's/^t_cost = .*/t_cost = 1/' -e 's/^m_cost_kib = .*/m_cost_kib = 8192/' "$H/iot-pki.toml"
make_device_csr dev-1 "$T"
iot-provision --home "$H" token --device-id dev-1 --out "$T/tok" >/dev/null
printf 'token,csr_path\n%s,%s\n' "$(cat "$T/tok")" "$T/dev-1.csr" >"$T/manifest.csv"
mkdir "$T/o"
snapshot() { { sqlite3 "$H/registry.db" .dump; ls -lA "$T/o"; } | sha256sum; }
before=$(snapshot)
for f in empty empty-line crlf; do
  P=$T/$f
  expect_exit 65 iot-ca --home "$H" sign --csr "$T/dev-1.csr" --profile device --out "$T/o/x.crt" --passphrase-file "$P"
  expect_err_contains "empty"
  expect_exit 65 iot-ca --home "$H" export --out "$T/o/export" --passphrase-file "$P"
  expect_exit 65 iot-revoke --home "$H" crl --out "$T/o/crl.pem" --passphrase-file "$P"
  expect_exit 65 iot-provision --home "$H" enroll --token-file "$T/tok" --csr "$T/dev-1.csr" --out "$T/o/e.crt" --passphrase-file "$P"
  expect_exit 65 iot-provision --home "$H" enroll --batch "$T/manifest.csv" --out-dir "$T/o/b" --passphrase-file "$P"
  expect_exit 65 iot-ca --home "$H" intermediate --name i2 --cn X --passphrase-file "$P"
done
[ "$(snapshot)" = "$before" ] || fail "an empty passphrase changed something"
pass "sign, export, crl, enroll, enroll --batch and intermediate refuse an empty passphrase (65), nothing written"

# The key on disk: PBES2, PBKDF2 with HMAC-SHA256 and >= 600,000 iterations, AES-256-CBC.
for key in "$H/root/ca.key" "$H/issuing/i1/ca.key"; do
  openssl asn1parse -in "$key" >"$T/asn1"
  grep -q ":PBES2" "$T/asn1" && grep -q ":PBKDF2" "$T/asn1" && grep -q ":hmacWithSHA256" "$T/asn1" &&
    grep -q ":aes-256-cbc" "$T/asn1" || fail "$key: $(cat "$T/asn1")"
  iter_hex=$(awk '/:PBKDF2/{p=1} p && /prim: INTEGER/{sub(/.*:/,""); print; exit}' "$T/asn1")
  iter=$((16#$iter_hex))
  [ "$iter" -ge 600000 ] || fail "$key: PBKDF2 iterations $iter"
done
pass "encrypted keys are PBES2/PBKDF2-HMAC-SHA256 x $iter/AES-256-CBC (openssl asn1parse)"
finish
