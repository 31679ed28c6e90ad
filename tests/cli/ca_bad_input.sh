#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bad input: each case names the problem in one line, exits with the SPEC code, and
# leaves no output file and no registry change.
. "$(dirname "$0")/../lib/common.sh"
H=$T/pki
OUT=$T/out
mkdir -p "$OUT"
iot-ca --home "$H" init --cn "Bad Input Root" --key ec-p256 --no-passphrase >/dev/null
iot-ca --home "$H" intermediate --name i1 --cn "Issuing 1" --no-passphrase >/dev/null

# What must not change: the registry's rows and the files in the output directory.
snapshot() {
  {
    sqlite3 "$H/registry.db" "SELECT count(*) FROM certs; SELECT count(*) FROM journal; SELECT count(*) FROM tokens;"
    find "$OUT" "$H" -type f ! -name 'registry.db*' -printf '%P %s\n' | sort
  } | sha256sum
}
before=$(snapshot)
unchanged() {
  [ "$(snapshot)" = "$before" ] || fail "$1: the registry or the output directory changed"
  [ "$(wc -l <"$T/last.err")" -eq 1 ] || fail "$1: the message should be one line: $(cat "$T/last.err")"
  pass "$1"
}
sign() { iot-ca --home "$H" sign --profile device --out "$OUT/cert.pem" "$@"; }

make_device_csr good-device "$T"
# Broken signature: flip one bit in the last byte of the DER (inside the signature).
openssl req -in "$T/good-device.csr" -outform DER -out "$T/good.der"
$PY - "$T/good.der" "$T/broken.csr" <<'PYEOF'
import base64, sys
der = bytearray(open(sys.argv[1], "rb").read())
der[-1] ^= 0x01
b64 = base64.encodebytes(bytes(der)).decode().replace("\n", "")
lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
open(sys.argv[2], "w").write("-----BEGIN CERTIFICATE REQUEST-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE REQUEST-----\n")
PYEOF
expect_exit 65 sign --csr "$T/broken.csr"
expect_err_contains "signature does not verify"
unchanged "a CSR with a broken signature is refused (65)"

echo "hello, I am not a CSR" >"$T/notcsr.txt"
expect_exit 65 sign --csr "$T/notcsr.txt"
expect_err_contains "not a certificate request"
unchanged "a file that is not a CSR is refused (65)"

cp "$T/good-device.key" "$T/key.pem"
expect_exit 65 sign --csr "$T/key.pem"
expect_err_contains "not a PEM certificate request"
unchanged "a PEM private key given as a CSR is refused (65)"

: >"$T/empty.csr"
expect_exit 65 sign --csr "$T/empty.csr"
expect_err_contains "empty file"
unchanged "an empty CSR file is refused (65)"

expect_exit 66 sign --csr "$T/does-not-exist.csr"
expect_err_contains "no such file"
unchanged "a missing CSR file is refused (66)"

# Device ids: CR/LF, a quote, 65 characters. The openssl CLI refuses to build some of
# these, so an independent library writes the CSRs.
csr_with_cn() {
  $PY - "$1" "$2" <<'PYEOF'
import sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, sys.argv[1], _validate=False)])
csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
open(sys.argv[2], "wb").write(csr.public_bytes(serialization.Encoding.PEM))
PYEOF
}
csr_with_cn $'dev\r\nX-Injected: 1' "$T/crlf.csr"
expect_exit 65 sign --csr "$T/crlf.csr"
expect_err_contains 'invalid device id "dev\x0D\x0AX-Injected: 1"'
unchanged "a device id with CR/LF is refused and shown escaped (65)"

csr_with_cn 'dev"quote' "$T/quote.csr"
expect_exit 65 sign --csr "$T/quote.csr"
expect_err_contains "invalid device id"
unchanged "a device id with a quote is refused (65)"

long=$(printf 'a%.0s' $(seq 1 65))
csr_with_cn "$long" "$T/long.csr"
expect_exit 65 sign --csr "$T/long.csr"
expect_err_contains "65 characters long"
unchanged "a 65-character device id is refused (65)"

openssl req -new -key "$T/good-device.key" -subj "/O=No CN" -out "$T/nocn.csr" 2>/dev/null
expect_exit 65 sign --csr "$T/nocn.csr"
expect_err_contains "no CN"
unchanged "a CSR without a CN is refused (65)"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/weak.key" 2>/dev/null
openssl req -new -key "$T/weak.key" -subj "/CN=weak" -out "$T/weak.csr" 2>/dev/null
expect_exit 65 sign --csr "$T/weak.csr"
expect_err_contains "1024 bits is too small"
unchanged "an RSA-1024 key is refused (65)"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out "$T/k1.key" 2>/dev/null
openssl req -new -key "$T/k1.key" -subj "/CN=k1" -out "$T/k1.csr" 2>/dev/null
expect_exit 65 sign --csr "$T/k1.csr"
expect_err_contains "secp256k1"
unchanged "an EC key on secp256k1 is refused (65)"

expect_exit 2 iot-ca --home "$H" sign --csr "$T/good-device.csr" --profile root --out "$OUT/cert.pem"
expect_err_contains "unknown profile 'root'"
[ "$(snapshot)" = "$before" ] || fail "unknown profile changed state"
pass "an unknown profile is a usage error (2)"

# The CA key is group/world readable: refused, with the fix.
chmod 0644 "$H/issuing/i1/ca.key"
expect_exit 78 sign --csr "$T/good-device.csr"
expect_err_contains "chmod 600"
unchanged "a CA key file with mode 0644 is refused (78)"
chmod 0600 "$H/issuing/i1/ca.key"

# Missing home.
expect_exit 66 iot-ca --home "$T/nowhere" sign --csr "$T/good-device.csr" --profile device --out "$OUT/cert.pem"
expect_err_contains "does not exist"
[ ! -e "$T/nowhere" ] || fail "a missing home must not be created"
unchanged "a missing home is refused (66)"
IOT_PKI_HOME="$T/nowhere" expect_exit 66 iot-ca list
unchanged "IOT_PKI_HOME is honoured"

# Unknown key in iot-pki.toml: named with its line.
cp "$H/iot-pki.toml" "$T/toml.bak"
printf '\n[validity]\ndevice_dayz = 30\n' >"$H/iot-pki.toml.extra"
sed -i 's/^device_days = 365$/device_dayz = 30/' "$H/iot-pki.toml"
line=$(grep -n device_dayz "$H/iot-pki.toml" | cut -d: -f1)
expect_exit 78 sign --csr "$T/good-device.csr"
expect_err_contains "$H/iot-pki.toml:$line: validity.device_dayz: unknown key (did you mean 'device_days'?)"
# Every command loads the settings the same strict way (before the fix `iot-ca list`
# and the other read-only commands ignored the typo and exited 0).
for cmd in "iot-ca list" "iot-ca journal verify" "iot-provision list" "iot-revoke list"; do
  # shellcheck disable=SC2086
  expect_exit 78 ${cmd%% *} --home "$H" ${cmd#* }
  expect_err_contains "iot-pki.toml:$line: validity.device_dayz: unknown key"
done
rm -f "$H/iot-pki.toml.extra"
cp "$T/toml.bak" "$H/iot-pki.toml"
before=$(snapshot)
unchanged "an unknown key in iot-pki.toml is named with its line (78)"
printf '[validity]\ndevice_days = "a year"\n' >"$H/iot-pki.toml"
expect_exit 78 sign --csr "$T/good-device.csr"
expect_err_contains "iot-pki.toml:2: validity.device_days: must be an integer (got \"a year\")"
printf '[validity\n' >"$H/iot-pki.toml"
expect_exit 78 sign --csr "$T/good-device.csr"
expect_err_contains "iot-pki.toml:1"
printf '[validity]\ndevice_days = 30 x\n' >"$H/iot-pki.toml"
expect_exit 78 sign --csr "$T/good-device.csr"
expect_err_contains "iot-pki.toml:2:18: "
cp "$T/toml.bak" "$H/iot-pki.toml"
before=$(snapshot)
unchanged "a wrongly typed value and a syntax error (line and column) are named (78)"

# An existing output file is not replaced without --force.
echo keep >"$OUT/cert.pem"
before=$(snapshot)
expect_exit 73 sign --csr "$T/good-device.csr"
expect_err_contains "already exists"
unchanged "an existing output file is kept (73)"
[ "$(cat "$OUT/cert.pem")" = keep ] || fail "cert.pem was replaced"
rm "$OUT/cert.pem"
before=$(snapshot)

# Init twice is refused; the first root stays.
root_before=$(sha256sum <"$H/root/ca.crt")
expect_exit 73 iot-ca --home "$H" init --cn "Another Root" --key ec-p256 --no-passphrase
expect_err_contains "already has a root CA"
[ "$(sha256sum <"$H/root/ca.crt")" = "$root_before" ] || fail "root replaced"
unchanged "init on an initialised home is refused (73)"

# Usage errors.
expect_exit 2 iot-ca --home "$H" sign --csr "$T/good-device.csr"
expect_exit 2 iot-ca --home "$H" frobnicate
expect_exit 2 iot-ca --home "$H" init --cn X --key dsa --no-passphrase
expect_err_contains "unknown key type 'dsa'"
pass "usage errors exit 2"

# A validity past the CA's expiry (issue 15): an explicit --days is refused (2) naming
# what fits, nothing issued; a profile default past it is cut to the CA's end with a
# warning on stderr and in --json (it was silently cut before).
expect_exit 2 sign --csr "$T/good-device.csr" --days 36500
expect_err_contains "--days 36500 days pass the expiry of CA '"
expect_err_contains "ask for at most --days"
unchanged "sign --days past the CA's expiry is refused and names the most that fits"
H2=$T/short
mkdir -p "$H2" && chmod 700 "$H2"
printf '[validity]\nissuing_days = 30\ndevice_days = 365\n' >"$H2/iot-pki.toml"
iot-ca --home "$H2" init --cn "Short Root" --key ec-p256 --no-passphrase >/dev/null 2>&1
iot-ca --home "$H2" intermediate --name iss1 --cn "Short Issuing" --key ec-p256 --no-passphrase >/dev/null 2>&1
iot-ca --home "$H2" --json sign --csr "$T/good-device.csr" --profile device --out "$T/short.crt" \
  >"$T/short.json" 2>"$T/short.err" || fail "sign with a default past the CA: $(cat "$T/short.err")"
grep -q "warning: the profile's 365 days pass the expiry of CA 'iss1'" "$T/short.err" ||
  fail "no warning on stderr: $(cat "$T/short.err")"
"$PY" -c 'import json,sys; assert "365 days pass the expiry" in json.load(open(sys.argv[1]))["warning"]' \
  "$T/short.json" || fail "no warning in --json: $(cat "$T/short.json")"
[ "$(openssl x509 -in "$T/short.crt" -noout -enddate)" = \
  "$(openssl x509 -in "$H2/issuing/iss1/ca.crt" -noout -enddate)" ] || fail "not cut to the CA's end"
pass "a profile default past the CA's expiry is cut to it, with a warning on stderr and in --json"

# iot-ca export warns (stderr, --json "warnings", exit 0) when a CA certificate ends
# within --warn-within (default 30d): here the 30-day issuing CA, not the root.
iot-ca --home "$H2" --json export --out "$T/short-export" >"$T/exp.json" 2>"$T/exp.err" ||
  fail "export with a CA about to end: $(cat "$T/exp.err")"
grep -q "warning: the certificate of CA 'iss1' ends .* create its successor" "$T/exp.err" ||
  fail "no expiry warning on stderr: $(cat "$T/exp.err")"
"$PY" -c 'import json,sys; w=json.load(open(sys.argv[1]))["warnings"]; assert len(w) == 1 and "iss1" in w[0], w' \
  "$T/exp.json" || fail "warnings in --json: $(cat "$T/exp.json")"
iot-ca --home "$H2" --json export --out "$T/short-export" --warn-within 1d >"$T/exp.json" 2>"$T/exp.err"
"$PY" -c 'import json,sys; assert json.load(open(sys.argv[1]))["warnings"] == []' "$T/exp.json" ||
  fail "--warn-within 1d should not warn"
grep -q warning "$T/exp.err" && fail "--warn-within 1d printed a warning: $(cat "$T/exp.err")"
expect_exit 2 iot-ca --home "$H2" export --out "$T/short-export" --warn-within soon
pass "export warns about a CA certificate ending within --warn-within (default 30d), exit 0"
finish
