#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Certificates from every profile, checked by independent implementations:
# OpenSSL's verifier, GnuTLS certtool and Python cryptography. The CSR asks for
# things it must not get (CA:TRUE, serverAuth, SANs); the profile decides.
. "$(dirname "$0")/../lib/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
H=$T/pki

# The default root key is RSA-4096, as SPEC §2 says.
iot-ca --home "$H" init --cn "Interop Root" --org "Acme IoT" --no-passphrase >/dev/null
openssl x509 -in "$H/root/ca.crt" -noout -text | grep -q "Public-Key: (4096 bit)" || fail "root is not RSA-4096"
pass "default root key is RSA-4096"
iot-ca --home "$H" intermediate --name line1 --cn "Line 1 Issuing CA" --no-passphrase >/dev/null
$PY "$HERE/check_extensions.py" root "$H/root/ca.crt" || fail "root extensions"
$PY "$HERE/check_extensions.py" issuing "$H/issuing/line1/ca.crt" "$H/root/ca.crt" || fail "issuing extensions"
pass "root has CA:TRUE + keyCertSign|cRLSign (critical); issuing CA has pathLen 0"

# A greedy CSR: CA:TRUE, serverAuth, extra SANs, its own OU.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/dev.key" 2>/dev/null
openssl req -new -key "$T/dev.key" -subj "/CN=sensor-0001/OU=IoT Admins/O=Evil" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "extendedKeyUsage=serverAuth" \
  -addext "subjectAltName=DNS:evil.example,IP:10.0.0.1" -addext "keyUsage=keyCertSign" \
  -out "$T/dev.csr" 2>/dev/null
iot-ca --home "$H" sign --csr "$T/dev.csr" --profile device --out "$T/dev.crt" --json >"$T/sign.json"
$PY "$HERE/check_extensions.py" device "$T/dev.crt" "$H/issuing/line1/ca.crt" || fail "device extensions"
subject=$(openssl x509 -in "$T/dev.crt" -noout -subject -nameopt RFC2253)
[ "$subject" = "subject=CN=sensor-0001,OU=IoT Devices,O=Acme IoT" ] || fail "device subject: $subject"
pass "a CSR asking for CA:TRUE, serverAuth and SANs gets exactly the device profile"

$PY - "$T/sign.json" "$T/dev.crt" <<'PYEOF' || fail "sign --json fields"
import json, subprocess, sys
doc = json.load(open(sys.argv[1]))
serial = subprocess.run(["openssl", "x509", "-in", sys.argv[2], "-noout", "-serial"],
                        capture_output=True, text=True, check=True).stdout.strip().split("=")[1]
assert doc["serial"] == serial, (doc["serial"], serial)
assert doc["device_id"] == "sensor-0001" and doc["profile"] == "device" and doc["status"] == "active"
assert doc["not_after"].endswith("Z") and doc["path"] == sys.argv[2]
PYEOF
pass "sign --json reports the serial as openssl prints it, and the SPEC fields"

# OpenSSL: the chain verifies for TLS client use.
openssl verify -purpose sslclient -CAfile "$H/root/ca.crt" -untrusted "$H/issuing/line1/ca.crt" \
  "$T/dev.crt" >/dev/null || fail "openssl verify -purpose sslclient"
if openssl verify -purpose sslserver -CAfile "$H/root/ca.crt" -untrusted "$H/issuing/line1/ca.crt" \
  "$T/dev.crt" >/dev/null 2>&1; then fail "a device certificate must not verify for server use"; fi
pass "device chain passes openssl verify -purpose sslclient and fails sslserver"

# GnuTLS: an independent path builder and verifier.
cat "$T/dev.crt" "$H/issuing/line1/ca.crt" "$H/root/ca.crt" >"$T/chain.pem"
certtool --verify-chain --infile "$T/chain.pem" >"$T/certtool.out" 2>&1 || { cat "$T/certtool.out"; fail "certtool --verify-chain"; }
certtool --verify --load-ca-certificate "$H/root/ca.crt" --infile "$T/chain.pem" >"$T/certtool2.out" 2>&1 \
  || { cat "$T/certtool2.out"; fail "certtool --verify against the root"; }
pass "GnuTLS certtool accepts the chain"

# --chain appends the issuing CA and root.
iot-ca --home "$H" sign --csr "$T/dev.csr" --profile device --chain --out "$T/dev-chain.crt" >/dev/null
[ "$(grep -c 'BEGIN CERTIFICATE' "$T/dev-chain.crt")" -eq 3 ] || fail "--chain should hold leaf + issuing + root"
pass "--chain writes leaf, issuing CA and root"

# Server profile: SANs from --san only.
openssl req -new -key "$T/dev.key" -subj "/CN=gateway.local" -addext "subjectAltName=DNS:evil.example" \
  -out "$T/srv.csr" 2>/dev/null
iot-ca --home "$H" sign --csr "$T/srv.csr" --profile server --san DNS:gateway.local,DNS:localhost,IP:127.0.0.1,IP:::1 \
  --out "$T/srv.crt" >/dev/null
$PY "$HERE/check_extensions.py" server "$T/srv.crt" "$H/issuing/line1/ca.crt" || fail "server extensions"
sans=$(openssl x509 -in "$T/srv.crt" -noout -ext subjectAltName | tail -n1 | tr -d ' ')
[ "$sans" = "DNS:gateway.local,DNS:localhost,IPAddress:127.0.0.1,IPAddress:0:0:0:0:0:0:0:1" ] || fail "server SANs: $sans"
openssl verify -purpose sslserver -CAfile "$H/root/ca.crt" -untrusted "$H/issuing/line1/ca.crt" \
  "$T/srv.crt" >/dev/null || fail "server cert verify"
pass "server profile: serverAuth and exactly the --san names (the CSR's SAN is ignored)"
expect_exit 2 iot-ca --home "$H" sign --csr "$T/srv.csr" --profile server --san "email:a@b" --out "$T/x.crt"
expect_err_contains "invalid --san entry"
[ ! -e "$T/x.crt" ] || fail "a refused sign left a file"
pass "an --san entry other than DNS:/IP: is refused"

# Admin profile.
make_device_csr alice "$T/admin"
iot-ca --home "$H" sign --csr "$T/admin/alice.csr" --profile admin --out "$T/admin.crt" >/dev/null
$PY "$HERE/check_extensions.py" admin "$T/admin.crt" "$H/issuing/line1/ca.crt" || fail "admin extensions"
pass "admin profile: OU IoT Admins, clientAuth"

# RSA device keys work; signing with the root when asked.
make_device_csr sensor-rsa "$T/rsa" rsa
iot-ca --home "$H" sign --csr "$T/rsa/sensor-rsa.csr" --profile device --ca root --out "$T/rsa.crt" >/dev/null
openssl verify -purpose sslclient -CAfile "$H/root/ca.crt" "$T/rsa.crt" >/dev/null || fail "root-signed device"
pass "--ca root signs with the root; RSA-2048 device keys are accepted"

# Serials: unique, >= 128 bits, and list/show agree with openssl.
serial=$(openssl x509 -in "$T/dev.crt" -noout -serial | cut -d= -f2)
iot-ca --home "$H" show "$(echo "$serial" | tr 'A-F' 'a-f')" --json >"$T/show.json"
$PY -c "import json,sys; d=json.load(open('$T/show.json')); assert d['serial']=='$serial' and d['status']=='active'" \
  || fail "show by lower-case serial"
iot-ca --home "$H" list --json >"$T/list.json"
$PY - "$T/list.json" <<'PYEOF' || fail "list --json"
import json, sys
rows = json.load(open(sys.argv[1]))
serials = [r["serial"] for r in rows]
assert len(serials) == len(set(serials)) == 7, serials  # root, issuing, 2 device, server, admin, rsa
assert all(len(s) >= 32 for s in serials)
profiles = sorted(r["profile"] for r in rows)
assert profiles == ["admin", "device", "device", "device", "issuing", "root", "server"], profiles
PYEOF
pass "list and show: serials unique, >= 128 bits, accepted in either case"

for key in ec-p384 ec-p256; do
  iot-ca --home "$T/h-$key" init --cn "Root $key" --key "$key" --no-passphrase >/dev/null
  openssl x509 -in "$T/h-$key/root/ca.crt" -noout -text | grep -q "ASN1 OID: $([ $key = ec-p384 ] && echo secp384r1 || echo prime256v1)" \
    || fail "root key $key"
done
pass "root keys ec-p384 and ec-p256"
finish
