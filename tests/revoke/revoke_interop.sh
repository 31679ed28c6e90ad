#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Exported trust material against independent implementations: openssl verify
# -crl_check_all, openssl crl -verify, GnuTLS certtool and Python cryptography,
# including a revoked issuing CA and a CRL of several thousand entries.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/revoke_lib.bash"
H=$T/pki
TR=$T/trust
mkdir -p "$T/dev"
# An RSA root and an EC issuing CA: both signature families end up in the CRLs.
iot-ca --home "$H" init --cn "Interop Root" --key rsa4096 --no-passphrase >/dev/null
iot-ca --home "$H" intermediate --name iss1 --cn "Interop Issuing 1" --key ec-p384 --no-passphrase >/dev/null
issue() {
  make_device_csr "$1" "$T/dev"
  iot-ca --home "$H" sign --csr "$T/dev/$1.csr" --profile device --out "$T/dev/$1.crt" >/dev/null
  openssl x509 -in "$T/dev/$1.crt" -noout -serial | cut -d= -f2
}
verify_dev() {  # verify_dev ID: openssl verify with the exported bundle and CRLs
  openssl verify -crl_check_all -purpose sslclient -CAfile "$TR/ca-bundle.pem" \
    -CRLfile "$TR/crl.pem" "$T/dev/$1.crt" >"$T/verify.out" 2>&1
}

GOOD=$(issue good-dev)
BAD=$(issue bad-dev)
iot-revoke --home "$H" cert "$BAD" --reason keyCompromise >/dev/null
expect_exit 0 iot-ca --home "$H" --json export --out "$TR"
cp "$T/last.out" "$T/export.json"

verify_dev good-dev || fail "good device refused: $(cat "$T/verify.out")"
pass "openssl verify -crl_check_all accepts a good device with the exported bundle and CRLs"
verify_dev bad-dev && fail "revoked device accepted"
grep -q "error 23 at 0 depth lookup: certificate revoked" "$T/verify.out" || fail "$(cat "$T/verify.out")"
pass "openssl verify -crl_check_all refuses the revoked device (error 23, certificate revoked)"

n=$(split_pem "$TR/crl.pem" "$T/crls")
[ "$n" = 2 ] || fail "crl.pem should hold one CRL per CA (2), has $n"
for f in "$T"/crls/part-*.pem; do
  openssl crl -in "$f" -noout -verify -CAfile "$TR/ca-bundle.pem" 2>&1 | grep -q "verify OK" ||
    fail "openssl crl -verify $f"
done
pass "openssl crl -verify accepts every exported CRL"

for f in "$T"/crls/part-*.pem; do
  certtool --crl-info --infile "$f" >"$T/certtool.out" 2>&1 || fail "certtool --crl-info: $(cat "$T/certtool.out")"
  grep -q "Version: 2" "$T/certtool.out" || fail "certtool: not v2"
  grep -q "CRL Number (not critical)" "$T/certtool.out" || fail "certtool: no CRL Number"
  grep -q "Authority Key Identifier (not critical)" "$T/certtool.out" || fail "certtool: no AKI"
done
certtool --verify-crl --load-ca-certificate "$H/issuing/iss1/ca.crt" --infile "$T/crls/part-2.pem" \
  >"$T/certtool.out" 2>&1 || fail "certtool --verify-crl: $(cat "$T/certtool.out")"
grep -qi "bad-dev\|$(printf '%s' "$BAD" | tr 'A-F' 'a-f')" "$T/certtool.out" || fail "certtool: revoked serial missing"
pass "GnuTLS certtool reads both CRLs (v2, AKI, CRL Number) and verifies the issuing CA's"

# Python cryptography: structure, extensions and the manifest.
$PY - "$TR" "$BAD" "$GOOD" <<'PYEOF' || fail "python cryptography checks"
import hashlib, json, sys
from datetime import timedelta
from cryptography import x509
from cryptography.x509.oid import CRLEntryExtensionOID, ExtensionOID
from cryptography.hazmat.primitives.asymmetric import ec, rsa
tr, bad, good = sys.argv[1], int(sys.argv[2], 16), int(sys.argv[3], 16)
raw = open(tr + "/crl.pem", "rb").read()
blocks = [b"-----BEGIN X509 CRL-----" + b for b in raw.split(b"-----BEGIN X509 CRL-----")[1:]]
crls = [x509.load_pem_x509_crl(b) for b in blocks]
bundle = open(tr + "/ca-bundle.pem", "rb").read()
cas = [x509.load_pem_x509_certificate(b"-----BEGIN CERTIFICATE-----" + b)
       for b in bundle.split(b"-----BEGIN CERTIFICATE-----")[1:]]
manifest = json.load(open(tr + "/manifest.json"))
assert len(cas) == 2 and len(crls) == 2 and len(manifest["cas"]) == 2
for f in manifest["files"]:
    data = open(tr + "/" + f["name"], "rb").read()
    assert hashlib.sha256(data).hexdigest() == f["sha256"], f
    assert len(data) == f["size"], f
for ca, crl, entry in zip(cas, crls, manifest["cas"]):
    assert crl.issuer == ca.subject
    assert crl.is_signature_valid(ca.public_key()), entry["name"]
    num = crl.extensions.get_extension_for_oid(ExtensionOID.CRL_NUMBER)
    assert not num.critical and num.value.crl_number == entry["crl_number"], entry
    aki = crl.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    ski = ca.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    assert not aki.critical and aki.value.key_identifier == ski.value.digest
    # [crl.root] days and [crl.issuing] days defaults
    days = 365 if entry["name"] == "root" else 7
    assert crl.next_update - crl.last_update == timedelta(days=days), entry
    assert crl.next_update.strftime("%Y-%m-%dT%H:%M:%SZ") == entry["next_update"]
    assert len(crl) == entry["entries"]
root_crl, iss_crl = crls
assert isinstance(cas[0].public_key(), rsa.RSAPublicKey)
assert isinstance(cas[1].public_key(), ec.EllipticCurvePublicKey)
assert len(root_crl) == 0 and len(iss_crl) == 1
rev = iss_crl.get_revoked_certificate_by_serial_number(bad)
assert rev is not None
reason = rev.extensions.get_extension_for_oid(CRLEntryExtensionOID.CRL_REASON)
assert reason.value.reason == x509.ReasonFlags.key_compromise and not reason.critical
assert iss_crl.get_revoked_certificate_by_serial_number(good) is None
assert manifest["next_update"] == min(e["next_update"] for e in manifest["cas"])
PYEOF
pass "Python cryptography: signatures, CRL Number = manifest, AKI = issuer SKI, reason code, nextUpdate, manifest hashes"

# A revoked issuing CA: the root's CRL lists it and its devices are refused.
ISS=$(openssl x509 -in "$H/issuing/iss1/ca.crt" -noout -serial | cut -d= -f2)
iot-revoke --home "$H" cert "$ISS" --reason cACompromise >/dev/null
expect_exit 0 iot-ca --home "$H" export --out "$TR"
verify_dev good-dev && fail "device under a revoked issuing CA accepted"
grep -q "error 23 at 1 depth lookup: certificate revoked" "$T/verify.out" || fail "$(cat "$T/verify.out")"
split_pem "$TR/crl.pem" "$T/crls" >/dev/null
openssl crl -in "$T/crls/part-1.pem" -noout -text | grep -q "CA Compromise" || fail "root CRL reason"
pass "a device under a revoked issuing CA is refused (error 23 at depth 1; root CRL says CA Compromise)"

# Several thousand entries: long-form DER lengths everywhere, still read by all three.
seed_revoked "$H/registry.db" iss1 6000
expect_exit 0 iot-revoke --home "$H" crl --format der --out "$T/big.der"
want=$((6000 + 1))  # the seeded ones and bad-dev (good-dev is not revoked itself)
openssl crl -in "$T/big.der" -inform DER -noout -verify -CAfile "$H/issuing/iss1/ca.crt" 2>&1 |
  grep -q "verify OK" || fail "openssl crl -verify (big)"
got=$(openssl crl -in "$T/big.der" -inform DER -noout -text | grep -c "Serial Number:")
[ "$got" = "$want" ] || fail "openssl counts $got entries, want $want"
certtool --crl-info --inder --infile "$T/big.der" >"$T/certtool.out" 2>&1 || fail "certtool big"
grep -q "Revoked certificates ($want)" "$T/certtool.out" || fail "certtool count: $(grep Revoked "$T/certtool.out")"
$PY - "$T/big.der" "$H/issuing/iss1/ca.crt" "$want" <<'PYEOF' || fail "python big CRL"
import sys
from cryptography import x509
from cryptography.x509.oid import CRLEntryExtensionOID, ExtensionOID
crl = x509.load_der_x509_crl(open(sys.argv[1], "rb").read())
ca = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
assert crl.is_signature_valid(ca.public_key())
assert len(crl) == int(sys.argv[3]), len(crl)
reasons = {}
for r in crl:
    try:
        v = r.extensions.get_extension_for_oid(CRLEntryExtensionOID.CRL_REASON).value.reason.name
    except x509.ExtensionNotFound:
        v = "none"
    reasons[v] = reasons.get(v, 0) + 1
# Seeded: a quarter each of keyCompromise (+ bad-dev), cessationOfOperation,
# superseded and unspecified (no extension, RFC 5280 §5.3.1).
assert reasons == {"key_compromise": 1501, "cessation_of_operation": 1500,
                   "superseded": 1500, "none": 1500}, reasons
serials = [r.serial_number for r in crl]
assert len(set(serials)) == len(serials)
PYEOF
pass "a 6,001-entry CRL verifies and counts right in openssl, certtool and Python cryptography"

journal_chain_intact "$H"
finish
