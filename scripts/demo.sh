#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# README command 1: install what is missing, build (Release), and run the end-to-end
# demo of SPEC §8 on loopback in a temporary directory. Leaves nothing running.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# IOTPKI_BIN (set by the test suite) runs the demo on binaries already built.
if [ -z "${IOTPKI_BIN:-}" ]; then
  # Only what building and the demo need (scripts/debian-packages-build.txt): no test
  # tools, no package that ships a service.
  scripts/install-deps.sh --build
  echo "Building (Release): the four binaries…"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j "$(nproc)" --target iot-ca iot-provision iot-revoke iot-gateway >/dev/null
  IOTPKI_BIN=$REPO/build/bin
fi
export PATH="$IOTPKI_BIN:$PATH"

D=$(mktemp -d /tmp/iot-pki-demo.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; done
  for pid in "${PIDS[@]:-}"; do if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi; done
  rm -rf "$D"
}
trap cleanup EXIT

n=0
step() {
  n=$((n + 1))
  printf '\n\033[1m== %d. %s\033[0m\n' "$n" "$*"
}
show() {
  printf '$ %s\n' "$*"
  "$@"
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_port() {
  local _
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "demo: nothing listens on port $1" >&2
  return 1
}

H=$D/pki
mkdir -p "$D/device" "$D/gateway"
# A low Argon2 cost keeps the demo quick; production keeps the default (t=3, 64 MiB).
mkdir -m 700 "$H"
printf '[ca]\norganisation = "Demo IoT"\n\n[argon2]\nt_cost = 1\nm_cost_kib = 8192\n' >"$H/iot-pki.toml"
cd "$D"

step "Create the root CA and an issuing CA (offline, in $H)"
show iot-ca --home "$H" init --cn "Demo Root CA" --key ec-p384 --no-passphrase
show iot-ca --home "$H" intermediate --name line1 --cn "Demo Line 1 CA" --no-passphrase

step "Issue the gateway's server certificate"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out gateway/server.key 2>/dev/null
chmod 600 gateway/server.key
openssl req -new -key gateway/server.key -subj "/CN=localhost" -out gateway/server.csr
show iot-ca --home "$H" sign --csr gateway/server.csr --profile server --san DNS:localhost,IP:127.0.0.1 \
  --chain --out gateway/server.crt

step "Create a single-use enrollment token for device sensor-0001 (shown once, in a 0600 file; only its hash is stored)"
show iot-provision --home "$H" token --device-id sensor-0001 --ttl 15m --out device/token
echo "the file starts with $(cut -c1-18 device/token)… (mode $(stat -c %a device/token))"

step "The device makes its own key and CSR with openssl; the key never leaves it"
show openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out device/device.key
show openssl req -new -key device/device.key -subj "/CN=sensor-0001" -out device/device.csr

step "Enroll: token + CSR → device certificate"
show iot-provision --home "$H" enroll --token-file device/token --csr device/device.csr --out device/device.crt
show openssl x509 -in device/device.crt -noout -subject -issuer -serial -ext extendedKeyUsage
echo "Redeeming the same token again is refused:"
iot-provision --home "$H" enroll --token-file device/token --csr device/device.csr --out device/again.crt \
  || echo "  → refused with exit $?"

step "Export the CA bundle and CRLs for the gateway"
show iot-ca --home "$H" export --out gateway/trust
show openssl verify -crl_check_all -CAfile gateway/trust/ca-bundle.pem -CRLfile gateway/trust/crl.pem device/device.crt

step "Start a small backend and the gateway on loopback"
backend_port=$(free_port)
gw_port=$(free_port)
metrics_port=$(free_port)
python3 "$REPO/examples/backend/hello_backend.py" "$backend_port" &
PIDS+=($!)
echo "backend pid $! on 127.0.0.1:$backend_port"
show iot-gateway jwt-key new --dir gateway/jwt
cat >gateway/gateway.toml <<TOML
[server]
listen = "127.0.0.1:$gw_port"
cert = "server.crt"
key = "server.key"
metrics_listen = "127.0.0.1:$metrics_port"

[trust]
bundle = "trust/ca-bundle.pem"
crl = "trust/crl.pem"
reload_interval = "1s"
state_dir = "state"
pins = ["$(openssl x509 -in "$H/root/ca.crt" -noout -fingerprint -sha256 | sed 's/.*=//')"]

[jwt]
keys_dir = "jwt"

[backend]
url = "http://127.0.0.1:$backend_port"

[audit]
path = "audit.log"
TOML
show iot-gateway check-config --config gateway/gateway.toml
iot-gateway --config gateway/gateway.toml 2>gateway/gateway.stderr &
PIDS+=($!)
echo "gateway pid $! on 127.0.0.1:$gw_port"
wait_port "$backend_port"
wait_port "$gw_port"
GW=https://localhost:$gw_port
CURL=(curl -sS --cacert gateway/trust/ca-bundle.pem --resolve "localhost:$gw_port:127.0.0.1")

step "The device gets a JWT with its client certificate"
printf '$ curl --cert device/device.crt --key device/device.key -X POST %s/auth/token\n' "$GW"
"${CURL[@]}" --cert device/device.crt --key device/device.key -X POST "$GW/auth/token" >device/token.json
python3 -m json.tool device/token.json | sed 's/\("access_token": "[^.]*\.[^.]\{12\}\)[^"]*"/\1…"/'
JWT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' device/token.json)

step "The device calls /api/hello through the gateway (its own X-Device-ID is replaced)"
printf '$ curl --cert … -H "Authorization: Bearer <jwt>" -H "X-Device-ID: admin" %s/api/hello\n' "$GW"
reply=$("${CURL[@]}" --cert device/device.crt --key device/device.key -H "Authorization: Bearer $JWT" \
  -H "X-Device-ID: admin" "$GW/api/hello")
echo "$reply"
expect() { # the demo checks what it shows, so a broken build cannot look like a working one
  [ "$1" = "$2" ] || { echo "demo: expected $3 to be '$2', got '$1'" >&2; exit 1; }
}
expect "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["hello"])' "$reply")" sensor-0001 "the backend's X-Device-ID"

step "Revoke the device and export a fresh CRL"
show iot-revoke --home "$H" device sensor-0001 --reason keyCompromise
show iot-ca --home "$H" export --out gateway/trust
sleep 2.5 # the gateway re-reads changed trust files every reload_interval (1 s here)

step "The gateway refuses the revoked device"
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' --cert device/device.crt --key device/device.key -X POST "$GW/auth/token")
echo "POST /auth/token      → HTTP $code"
expect "$code" 401 "/auth/token for the revoked device"
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' --cert device/device.crt --key device/device.key \
  -H "Authorization: Bearer $JWT" "$GW/api/hello")
echo "GET /api/hello (old JWT) → HTTP $code"
expect "$code" 401 "/api/hello with the revoked device's JWT"
echo "Audit log (last events):"
tail -n 4 gateway/audit.log | python3 -c 'import json,sys
for l in sys.stdin:
    r = json.loads(l); print("  ", r["ts"], r["event"], r["outcome"], r.get("device_id", ""), r.get("reason", ""))'
show iot-gateway audit verify gateway/audit.log

step "Done: stopping the gateway and the backend"
