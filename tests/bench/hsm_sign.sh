#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# N iot-ca sign runs (one process each) with the issuing key in SoftHSM vs in a file.
set -euo pipefail
B=${IOTPKI_BIN:?}; N=${N:-100}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
export SOFTHSM2_CONF=$W/s.conf; mkdir "$W/tok"
printf 'directories.tokendir = %s/tok\nobjectstore.backend = file\nlog.level = ERROR\n' "$W" >"$SOFTHSM2_CONF"
printf 'bench-pin-1234\n' >"$W/pin"; chmod 600 "$W/pin"
softhsm2-util --init-token --free --label bench --so-pin 87654321 --pin bench-pin-1234 >/dev/null
for h in hsm file; do mkdir -m700 "$W/$h"; printf '[hsm]\nmodule = "/usr/lib/softhsm/libsofthsm2.so"\n' >"$W/$h/iot-pki.toml"; chmod 600 "$W/$h/iot-pki.toml"; done
"$B/iot-ca" --home "$W/hsm" init --cn R --key ec-p256 --key-uri "pkcs11:token=bench;object=root" --pin-file "$W/pin" >/dev/null
"$B/iot-ca" --home "$W/hsm" intermediate --name i --cn I --key ec-p256 --key-uri "pkcs11:token=bench;object=i" --pin-file "$W/pin" >/dev/null
"$B/iot-ca" --home "$W/file" init --cn R --key ec-p256 --no-passphrase >/dev/null 2>&1
"$B/iot-ca" --home "$W/file" intermediate --name i --cn I --key ec-p256 --no-passphrase >/dev/null 2>&1
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/d.key" 2>/dev/null
openssl req -new -key "$W/d.key" -subj /CN=dev -out "$W/d.csr" 2>/dev/null
for h in file hsm; do
  args=(); [ $h = hsm ] && args=(--passphrase-file "$W/pin")
  s=$(date +%s.%N)
  for i in $(seq "$N"); do "$B/iot-ca" --home "$W/$h" sign --csr "$W/d.csr" --profile device --out "$W/$h-$i.crt" "${args[@]}" >/dev/null; done
  e=$(date +%s.%N)
  python3 -c "import sys; n=$N; t=$e-$s; print(f'$h: {n} signs in {t:.2f} s = {n/t:.1f}/s, {1000*t/n:.1f} ms each')"
done
