# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# The one shell fixture for a PKI made with the real tools: a CA home, a server
# certificate, device certificates. Source after common.sh (it uses make_device_csr and
# fail). The gateway's side (gateway.toml, backend, gateway process) is
# tests/gateway/lib.sh, built on this.

# pki_home HOME [ISSUING [default-cost]]: a root CA (EC P-256, unencrypted) in HOME and,
# when ISSUING is given, an issuing CA of that name. The settings use a low Argon2id
# cost (t=1, 8 MiB) unless "default-cost" is given. A HOME/iot-pki.toml written before
# the call is kept (the cost lines are added to it).
pki_home() {
  local h=$1 issuing=${2:-} cost=${3:-low}
  mkdir -p "$h" && chmod 700 "$h"
  if [ "$cost" != default-cost ]; then
    printf '[argon2]\nt_cost = 1\nm_cost_kib = 8192\n' >>"$h/iot-pki.toml"
  fi
  iot-ca --home "$h" init --cn "Test Root" --key ec-p256 --no-passphrase >/dev/null 2>"$h.init.err" ||
    fail "iot-ca init: $(cat "$h.init.err")"
  if [ -n "$issuing" ]; then
    iot-ca --home "$h" intermediate --name "$issuing" --cn "Issuing $issuing" --key ec-p256 \
      --no-passphrase >/dev/null 2>"$h.init.err" || fail "iot-ca intermediate: $(cat "$h.init.err")"
  fi
  rm -f "$h.init.err"
}

# pki_pin HOME: the root's pin as gateway.toml [trust] pins takes it (SHA-256 of the
# DER, the line `iot-ca export` prints).
pki_pin() {
  openssl x509 -in "$1/root/ca.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
    tr 'A-F' 'a-f'
}

# pki_server_cert HOME DIR [SANS]: DIR/server.key (0600) and DIR/server.crt for
# localhost (default SANs DNS:localhost,IP:127.0.0.1), signed by HOME's default CA.
pki_server_cert() {
  local h=$1 dir=$2 sans=${3:-DNS:localhost,IP:127.0.0.1}
  mkdir -p "$dir"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/server.key" 2>/dev/null
  chmod 600 "$dir/server.key"
  openssl req -new -key "$dir/server.key" -subj /CN=localhost -out "$dir/server.csr" 2>/dev/null
  iot-ca --home "$h" sign --csr "$dir/server.csr" --profile server --san "$sans" \
    --out "$dir/server.crt" >/dev/null
}

# pki_device HOME ID DIR [PROFILE] [CA]: the device makes DIR/ID.key and DIR/ID.csr,
# HOME's CA (default: its default CA) signs DIR/ID.crt.
pki_device() {
  local h=$1 id=$2 dir=$3 profile=${4:-device} ca_name=${5:-}
  make_device_csr "$id" "$dir"
  iot-ca --home "$h" sign --csr "$dir/$id.csr" --profile "$profile" ${ca_name:+--ca "$ca_name"} \
    --out "$dir/$id.crt" >/dev/null
}
