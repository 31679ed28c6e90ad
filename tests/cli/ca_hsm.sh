#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CA keys in a PKCS#11 token (issue 12, SPEC §10 --key-uri/--pin-file): a SoftHSM token
# made here holds the root, issuing and publisher keys; every certificate, CRL and the
# manifest signature is made in the token; the CA-core interop checks (openssl verify
# -crl_check_all, openssl crl/cms -verify, GnuTLS certtool, Python cryptography) pass;
# no key file is on disk; a wrong PIN is exit 77 and writes nothing; the PIN is never
# in argv, the environment, an output or the home. A certificate signed with the token
# key outside iot-ca (openssl's pkcs11 engine) passes openssl verify against the
# exported bundle (the gateway's CERT_NOT_LOGGED test starts from there).
# Fails before the change: the baseline iot-ca has no --key-uri (exit 2 at the first init).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/hsm.sh"
H=$T/pki
TR=$T/trust
LABEL=iotpki-ca
hsm_token "$LABEL"
PIN=$(head -n1 "$T/user.pin")
hsm_settings "$H"
mkdir -p "$T/dev"

expect_exit 0 iot-ca --home "$H" --json init --cn "HSM Root" --key ec-p384 \
  --key-uri "pkcs11:token=$LABEL;object=root" --pin-file "$T/user.pin"
$PY -c "import json,sys; d=json.load(open('$T/last.out')); assert d['key_uri']=='pkcs11:token=$LABEL;object=root;type=private', d" ||
  fail "init --json lacks the key URI: $(cat "$T/last.out")"
expect_exit 0 iot-ca --home "$H" intermediate --name line1 --cn "HSM Issuing 1" --key ec-p256 \
  --key-uri "pkcs11:token=$LABEL;object=line1" --pin-file "$T/user.pin"
[ "$(head -n1 "$H/root/ca.key-uri")" = "pkcs11:token=$LABEL;object=root;type=private" ] ||
  fail "root/ca.key-uri: $(cat "$H/root/ca.key-uri")"
[ -z "$(find "$H" -name '*.key')" ] || fail "a key file in the home: $(find "$H" -name '*.key')"
pass "init and intermediate with --key-uri keep the keys in the token; the home records URIs, no key file"

# The certificates carry the token's public keys (generated there: P-384 and P-256).
pkcs11-tool --module "$HSM_MODULE" --token-label "$LABEL" --list-objects --type pubkey \
  >"$T/objects.out" 2>&1 || fail "pkcs11-tool --list-objects: $(cat "$T/objects.out")"
$PY - "$T/objects.out" "$H/root/ca.crt" root "$H/issuing/line1/ca.crt" line1 <<'PYEOF' || fail "token public keys"
import re, sys
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
listing = open(sys.argv[1]).read()
points = {}  # label -> EC_POINT (DER OCTET STRING, hex) as pkcs11-tool lists it
for block in listing.split("Public Key Object")[1:]:
    points[re.search(r"label:\s+(\S+)", block).group(1)] = re.search(r"EC_POINT:\s+([0-9a-f]+)", block).group(1)
for cert_path, label in zip(sys.argv[2::2], sys.argv[3::2]):
    cert = x509.load_pem_x509_certificate(open(cert_path, "rb").read())
    point = cert.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint).hex()
    assert points[label][4:] == point, (label, points[label], point)
PYEOF
openssl x509 -in "$H/issuing/line1/ca.crt" -noout -text | grep -q "ASN1 OID: prime256v1" ||
  fail "issuing key is not P-256"
openssl x509 -in "$H/root/ca.crt" -noout -text | grep -q "ASN1 OID: secp384r1" || fail "root key is not P-384"
pass "root (P-384) and issuing (P-256) certificates hold the public keys pkcs11-tool reads from the token"

# Signing, enrolling, revoking and exporting open the keys with the PIN file.
make_device_csr sensor-1 "$T/dev"
expect_exit 0 iot-ca --home "$H" sign --csr "$T/dev/sensor-1.csr" --profile device \
  --out "$T/dev/sensor-1.crt" --passphrase-file "$T/user.pin"
(umask 077 && iot-provision --home "$H" token --device-id sensor-2 >"$T/tok" 2>/dev/null)
make_device_csr sensor-2 "$T/dev"
expect_exit 0 iot-provision --home "$H" enroll --token-file "$T/tok" --csr "$T/dev/sensor-2.csr" \
  --out "$T/dev/sensor-2.crt" --passphrase-file "$T/user.pin"
BAD=$(openssl x509 -in "$T/dev/sensor-1.crt" -noout -serial | cut -d= -f2)
expect_exit 0 iot-revoke --home "$H" cert "$BAD" --reason keyCompromise
expect_exit 0 iot-ca --home "$H" --json export --out "$TR" --passphrase-file "$T/user.pin"
[ -z "$(find "$H" -name '*.key')" ] || fail "a key file after export: $(find "$H" -name '*.key')"
[ -e "$H/publisher/publisher.key-uri" ] || fail "the publisher key is not in the token"
expect_exit 0 iot-ca --home "$H" backup --out "$T/backup"
[ "$(cat "$T/backup/root/ca.key-uri")" = "$(cat "$H/root/ca.key-uri")" ] || fail "backup lacks root/ca.key-uri"
[ -e "$T/backup/issuing/line1/ca.key-uri" ] || fail "backup lacks issuing/line1/ca.key-uri"
[ -z "$(find "$T/backup" -name '*.key')" ] || fail "a key file in the backup"
pass "sign, iot-provision enroll, iot-revoke, export and backup work with the token keys (publisher key in the token too)"

openssl verify -crl_check_all -purpose sslclient -CAfile "$TR/ca-bundle.pem" -CRLfile "$TR/crl.pem" \
  "$T/dev/sensor-2.crt" >"$T/verify.out" 2>&1 || fail "enrolled device refused: $(cat "$T/verify.out")"
if openssl verify -crl_check_all -purpose sslclient -CAfile "$TR/ca-bundle.pem" -CRLfile "$TR/crl.pem" \
  "$T/dev/sensor-1.crt" >"$T/verify.out" 2>&1; then fail "revoked device accepted"; fi
grep -q "error 23 at 0 depth lookup: certificate revoked" "$T/verify.out" || fail "$(cat "$T/verify.out")"
csplit -s -z -f "$T/crl-" "$TR/crl.pem" '/-----BEGIN X509 CRL-----/' '{*}'
for f in "$T"/crl-*; do
  openssl crl -in "$f" -noout -verify -CAfile "$TR/ca-bundle.pem" 2>&1 | grep -q "verify OK" ||
    fail "openssl crl -verify $f"
done
openssl cms -verify -binary -inform DER -in "$TR/manifest.json.p7s" -content "$TR/manifest.json" \
  -CAfile "$TR/ca-bundle.pem" -purpose any -out /dev/null 2>"$T/cms.err" || fail "manifest: $(cat "$T/cms.err")"
pass "openssl: the device chain and CRLs verify (-crl_check_all; revoked one refused, error 23), the manifest's CMS too"

cat "$T/dev/sensor-2.crt" "$H/issuing/line1/ca.crt" "$H/root/ca.crt" >"$T/chain.pem"
certtool --verify --load-ca-certificate "$H/root/ca.crt" --infile "$T/chain.pem" >"$T/certtool.out" 2>&1 ||
  fail "certtool --verify: $(cat "$T/certtool.out")"
certtool --verify-crl --load-ca-certificate "$H/issuing/line1/ca.crt" --infile "$T/crl-01" \
  >"$T/certtool.out" 2>&1 || fail "certtool --verify-crl: $(cat "$T/certtool.out")"
pass "GnuTLS certtool verifies the chain and the issuing CA's CRL"

$PY - "$H" "$T/dev/sensor-2.crt" "$T/crl-01" "$T/crl-00" <<'PYEOF' || fail "python cryptography checks"
import sys
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
home, dev, crl_iss, crl_root = sys.argv[1:]
load = lambda p: x509.load_pem_x509_certificate(open(p, "rb").read())
root, iss, leaf = load(home + "/root/ca.crt"), load(home + "/issuing/line1/ca.crt"), load(dev)
def check(cert, issuer):  # raises InvalidSignature unless `issuer` signed `cert`
    issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                               ec.ECDSA(cert.signature_hash_algorithm))
    assert cert.issuer == issuer.subject
check(leaf, iss)
check(iss, root)
check(root, root)
assert isinstance(root.public_key().curve, ec.SECP384R1) and isinstance(iss.public_key().curve, ec.SECP256R1)
crls = [x509.load_pem_x509_crl(open(p, "rb").read()) for p in (crl_iss, crl_root)]
by_issuer = {c.issuer: c for c in crls}
assert by_issuer[iss.subject].is_signature_valid(iss.public_key())
assert by_issuer[root.subject].is_signature_valid(root.public_key())
PYEOF
pass "Python cryptography verifies every signature the token made (root, issuing, device, both CRLs)"

# A wrong PIN: exit 77, a clear message, nothing written.
printf 'not-the-pin-0\n' >"$T/bad.pin" && chmod 600 "$T/bad.pin"
before=$(iot-ca --home "$H" --json list | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
sum_before=$(sha256sum "$H/registry.db" | cut -d' ' -f1)
make_device_csr sensor-3 "$T/dev"
expect_exit 77 iot-ca --home "$H" sign --csr "$T/dev/sensor-3.csr" --profile device \
  --out "$T/dev/sensor-3.crt" --passphrase-file "$T/bad.pin"
expect_err_contains "PKCS#11 login failed for token '$LABEL': wrong PIN"
[ ! -e "$T/dev/sensor-3.crt" ] || fail "a refused sign wrote the certificate"
after=$(iot-ca --home "$H" --json list | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$before" = "$after" ] || fail "the registry changed: $before -> $after certificates"
[ "$sum_before" = "$(sha256sum "$H/registry.db" | cut -d' ' -f1)" ] || fail "registry.db changed"
expect_exit 77 iot-revoke --home "$H" crl --out "$T/crl-bad.pem" --passphrase-file "$T/bad.pin"
expect_err_contains "wrong PIN"
[ ! -e "$T/crl-bad.pem" ] || fail "a refused crl wrote a file"
H2=$T/pki2
hsm_settings "$H2"
expect_exit 77 iot-ca --home "$H2" init --cn "Wrong PIN Root" --key ec-p256 \
  --key-uri "pkcs11:token=$LABEL;object=root2" --pin-file "$T/bad.pin"
[ "$(find "$H2" -mindepth 1 | wc -l)" = 1 ] || fail "a refused init wrote: $(find "$H2" -mindepth 1)"
pass "a wrong PIN: exit 77 naming the token, no certificate, CRL, registry change or home written"

# A missing token or key names the URI (exit 78), without a PIN; a PIN in the URI is refused.
expect_exit 78 iot-ca --home "$H2" init --cn X --key-uri "pkcs11:token=no-such-token;object=root" \
  --pin-file "$T/user.pin"
expect_err_contains "no token 'no-such-token'"
mv "$H/issuing/line1/ca.key-uri" "$T/keep.uri"
printf 'pkcs11:token=%s;object=gone\n' "$LABEL" >"$H/issuing/line1/ca.key-uri"
chmod 600 "$H/issuing/line1/ca.key-uri"
expect_exit 78 iot-ca --home "$H" sign --csr "$T/dev/sensor-3.csr" --profile device \
  --out "$T/dev/sensor-3.crt" --passphrase-file "$T/user.pin"
expect_err_contains "no private key pkcs11:token=$LABEL;object=gone"
mv "$T/keep.uri" "$H/issuing/line1/ca.key-uri"
expect_exit 2 iot-ca --home "$H2" init --cn X --key-uri "pkcs11:token=$LABEL;object=r?pin-value=$PIN"
expect_err_contains "a PIN in the URI is refused"
grep -qF -- "$PIN" "$T/last.err" && fail "the refusal echoed the PIN"
expect_exit 2 iot-ca --home "$H2" init --cn X --key-uri "pkcs11:token=$LABEL;object=r;pin-value=$PIN"
expect_err_contains "a PIN in the URI is refused"
expect_exit 2 iot-ca --home "$H2" init --cn X --key-uri "pkcs11:token=$LABEL" --pin-file "$T/user.pin"
expect_err_contains "neither object"
expect_exit 2 iot-ca --home "$H2" init --cn X --no-passphrase --pin-file "$T/user.pin"
pass "no token / no key: 78 naming the URI; pin-value refused (2, not echoed); --pin-file needs --key-uri"

# The PIN is never in argv or the environment of an iot-ca process, an output or the home.
# The process waits on its standard input (a fifo held open here) while it is looked at.
mkfifo "$T/csr.fifo"
exec 7<>"$T/csr.fifo"
iot-ca --home "$H" sign --csr - --profile device --out "$T/dev/sensor-4.crt" \
  --passphrase-file "$T/user.pin" <"$T/csr.fifo" >"$T/ps.out" 2>&1 7>&- &
pid=$!
track_pid "$pid"
for _ in $(seq 50); do grep -q "sensor-4" "/proc/$pid/cmdline" 2>/dev/null && break; sleep 0.1; done
tr '\0' ' ' <"/proc/$pid/cmdline" >"$T/cmdline"
tr '\0' '\n' <"/proc/$pid/environ" >"$T/environ"
make_device_csr sensor-4 "$T/dev"
cat "$T/dev/sensor-4.csr" >&7
exec 7>&-
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || fail "sign from the fifo (exit $rc): $(cat "$T/ps.out")"
grep -q "sensor-4.crt" "$T/cmdline" || fail "did not catch the process's argv"
for f in "$T/cmdline" "$T/environ" "$T"/*.out "$T"/*.err; do
  grep -qF -- "$PIN" "$f" && fail "the PIN is in $f"
done
grep -rlaF -- "$PIN" "$H" "$TR" && fail "the PIN is in the home or the export"
pass "the PIN is in no argv, environment, output, home file or export"

# Outside iot-ca: openssl's pkcs11 engine signs with the issuing key in the token. The
# result passes openssl verify against the exported bundle, though the registry never
# saw it (what the gateway's require_logged catches).
hsm_openssl_conf
make_device_csr rogue-1 "$T/dev"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$T/ext.cnf"
OPENSSL_CONF=$T/openssl-pkcs11.cnf openssl x509 -req -in "$T/dev/rogue-1.csr" -engine pkcs11 \
  -CAkeyform engine -CAkey "pkcs11:token=$LABEL;object=line1;type=private" -passin "file:$T/user.pin" \
  -CA "$H/issuing/line1/ca.crt" -set_serial "0x$(openssl rand -hex 16)" -days 30 -sha256 \
  -extfile "$T/ext.cnf" -out "$T/dev/rogue-1.crt" >"$T/rogue.out" 2>&1 || fail "openssl x509 -engine pkcs11: $(cat "$T/rogue.out")"
openssl verify -purpose sslclient -CAfile "$TR/ca-bundle.pem" "$T/dev/rogue-1.crt" >/dev/null ||
  fail "the outside certificate does not verify"
rogue=$(openssl x509 -in "$T/dev/rogue-1.crt" -noout -serial | cut -d= -f2)
expect_exit 65 iot-ca --home "$H" show "$rogue"
expect_err_contains "unknown serial"
pass "a certificate signed outside iot-ca with the token key (openssl -engine pkcs11) verifies but is not in the registry"
finish
