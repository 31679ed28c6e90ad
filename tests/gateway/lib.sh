# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for the gateway integration tests. Source after ../lib/common.sh.
# A real PKI made with iot-ca, a real backend process, a real iot-gateway process on
# loopback, curl / openssl s_client as clients.

GWT_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GW=$T/gw            # the gateway's directory: gateway.toml, trust/, jwt/, audit.log
PKIH=$T/pki         # the CA home
DEV=$T/dev          # devices' keys, CSRs, certificates
# Generous: the suite also runs under ASan+UBSan.
CURL_MAX=${CURL_MAX:-30}

ca() { iot-ca --home "$PKIH" "$@"; }
revoke() { iot-revoke --home "$PKIH" "$@"; }

serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# Root + issuing CA iss1, the gateway's server certificate, trust export, a JWT key.
gw_pki() {
  pki_home "$PKIH" iss1
  mkdir -p "$GW" "$DEV"
  pki_server_cert "$PKIH" "$GW"
  gw_export
  iot-gateway jwt-key new --dir "$GW/jwt" >/dev/null
}

gw_export() { ca export --out "$GW/trust" >/dev/null; }

# gw_device ID [profile] [ca]: the device makes its key and CSR, the CA signs it.
gw_device() { pki_device "$PKIH" "$1" "$DEV" "${2:-device}" "${3:-iss1}"; }

# gw_config: writes gateway.toml with relative paths. [trust] pins the root of $PKIH
# (GW_PINS: the list's contents instead) and requires the signed manifest; GW_TRUST_EXTRA
# adds lines to [trust] (e.g. "require_manifest = false").
gw_config() {
  GW_PORT=$(free_port)
  BE_PORT=$(free_port)
  METRICS_PORT=$(free_port)
  local pins
  pins=${GW_PINS:-"\"$(pki_pin "$PKIH")\""}
  cat >"$GW/gateway.toml" <<TOML
[server]
listen = "127.0.0.1:$GW_PORT"
cert = "server.crt"
key = "server.key"
threads = 2
drain_timeout = "20s"
metrics_listen = "127.0.0.1:$METRICS_PORT"

[trust]
bundle = "trust/ca-bundle.pem"
crl = "trust/crl.pem"
reload_interval = "${GW_RELOAD:-1s}"
crl_grace = "${GW_CRL_GRACE:-1h}"
pins = [$pins]
${GW_TRUST_EXTRA:-}

[jwt]
keys_dir = "jwt"
ttl = "${GW_TTL:-1h}"
leeway = "0s"

[backend]
url = "http://127.0.0.1:$BE_PORT"
timeout = "${GW_BACKEND_TIMEOUT:-3s}"
pool_size = 8

[rate_limit]
token_rate = ${GW_TOKEN_RATE:-1000}
token_burst = ${GW_TOKEN_BURST:-1000}
failure_threshold = ${GW_FAILURES:-1000}
failure_window = "60s"
ban_duration = "${GW_BAN:-15m}"

[audit]
path = "audit.log"
TOML
}

gw_start_backend() {
  "$PY" "$GWT_SRC/backend.py" "$BE_PORT" &
  BE_PID=$!
  track_pid "$BE_PID"
}

gw_start() {
  iot-gateway --config "$GW/gateway.toml" 2>>"$T/gateway.err" &
  GW_PID=$!
  track_pid "$GW_PID"
  wait_for gw_curl -f "https://127.0.0.1:$GW_PORT/healthz"
}

# Stops the gateway with SIGTERM and checks it exits 0 (bounded wait).
gw_stop() {
  kill -TERM "$GW_PID"
  local rc=0
  wait "$GW_PID" || rc=$?
  [ "$rc" -eq 0 ] || fail "gateway exited $rc after SIGTERM: $(tail -5 "$T/gateway.err")"
}

# GW_CACERT: the client's CA file when trust/ holds something else on purpose.
gw_curl() { curl -sS --max-time "$CURL_MAX" --cacert "${GW_CACERT:-$GW/trust/ca-bundle.pem}" "$@"; }
# dev_curl ID ARGS...: curl with the device's client certificate.
dev_curl() {
  local id=$1
  shift
  gw_curl --cert "$DEV/$id.crt" --key "$DEV/$id.key" "$@"
}
URL() { echo "https://127.0.0.1:$GW_PORT$1"; }

# token_for ID: a fresh access token for the device (fails the test otherwise).
token_for() {  # token_for ID [curl args]
  local id=$1 body
  shift
  body=$(dev_curl "$id" -f -X POST "$(URL /auth/token)" "$@") || fail "no token for $id"
  "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$body"
}

# http_status ARGS...: runs curl (via the given function) and prints the status only;
# the body lands in $T/body, headers in $T/headers.
http_status() {
  "$@" -o "$T/body" -D "$T/headers" -w '%{http_code}' || true
}

# expect_status WANT ARGS...
expect_status() {
  local want=$1
  shift
  local got
  got=$(http_status "$@")
  [ "$got" = "$want" ] || fail "expected HTTP $want, got $got: $* -> $(cat "$T/body" 2>/dev/null)"
}

audit_count() { grep -c "\"event\":\"$1\"" "$GW/audit.log" || true; }

# expect_audit EVENT N: waits (bounded) for the writer thread, then checks the count.
expect_audit() {
  local event=$1 want=$2 got=0
  for _ in $(seq 1 50); do
    got=$(audit_count "$event")
    [ "$got" -ge "$want" ] && break
    sleep 0.1
  done
  [ "$got" -eq "$want" ] || fail "expected $want $event audit record(s), found $got"
}

# The outcome field of the last record with this event.
last_audit() { grep "\"event\":\"$1\"" "$GW/audit.log" | tail -1; }

# wait_reload N: waits (bounded) until the gateway has audited N CRL loads/refusals.
wait_crl_event() {
  local event=$1 want=$2
  for _ in $(seq 1 150); do
    [ "$(audit_count "$event")" -ge "$want" ] && return 0
    sleep 0.1
  done
  fail "gateway did not audit $event #$want within 15 s"
}

# expect_refused WANT_STATUS EVENT ARGS...: request refused with status, the 401s of
# /api/* carry the RFC 6750 challenge, and the body names the event.
expect_refused() {
  local want=$1 event=$2
  shift 2
  expect_status "$want" "$@"
  grep -q "\"code\":\"$event\"" "$T/body" || fail "expected $event, body: $(cat "$T/body")"
}
expect_invalid_token() {
  local event=$1
  shift
  expect_refused 401 "$event" "$@"
  grep -qi '^www-authenticate: Bearer error="invalid_token"' "$T/headers" ||
    fail "401 without WWW-Authenticate: Bearer error=\"invalid_token\": $(cat "$T/headers")"
}
