#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PROXY protocol v2 behind a real HAProxy (Debian's haproxy, private config, loopback,
# `send-proxy-v2`), issue 15 "Gateway behind a load balancer":
#  * a device through HAProxy is audited with its own 127.0.0.x address, and the backend
#    gets that address in X-Forwarded-For, not HAProxy's 127.0.0.1;
#  * failures ban the device's address, not HAProxy's: other devices behind the same
#    HAProxy are still served;
#  * with proxy_protocol on, a direct connection from an address outside
#    proxy_protocol_from is closed before TLS (no byte back) and audited PROXY_REFUSED,
#    and so is a forged header from it; such a peer is banned like any failing client;
#  * a v1 text header or garbage from the trusted balancer is refused and audited, and
#    never bans the balancer.
# Fails before the fix: the baseline refuses the config keys server.proxy_protocol and
# server.proxy_protocol_from ("unknown key") and never starts.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

command -v haproxy >/dev/null || fail "haproxy is not installed (scripts/debian-packages.txt)"

gw_pki
GW_FAILURES=3 gw_config
sed -i '/^\[server\]/a proxy_protocol = true\nproxy_protocol_from = ["127.0.0.1/32"]' \
  "$GW/gateway.toml"
gw_device dev-a
gw_device dev-b
gw_start_backend

HP_PORT=$(free_port)
cat >"$T/haproxy.cfg" <<CFG
global
  maxconn 200
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend devices
  bind 127.0.0.1:$HP_PORT
  default_backend gateway
backend gateway
  server gw 127.0.0.1:$GW_PORT send-proxy-v2 source 127.0.0.1
CFG
haproxy -c -q -f "$T/haproxy.cfg" || fail "haproxy refuses its config"
haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1 &
HP_PID=$!
track_pid "$HP_PID"

iot-gateway --config "$GW/gateway.toml" 2>>"$T/gateway.err" &
GW_PID=$!
track_pid "$GW_PID"
HP() { echo "https://127.0.0.1:$HP_PORT$1"; }
# via ADDR curl-function ARGS...: a client at ADDR talking to the gateway through HAProxy.
via() {
  local addr=$1 fn=$2
  shift 2
  "$fn" "$@" --interface "$addr"
}
for i in $(seq 1 100); do  # bounded: 100 tries of at most 2 s
  kill -0 "$GW_PID" 2>/dev/null || fail "gateway exited: $(tail -5 "$T/gateway.err")"
  via 127.0.0.5 gw_curl -f --max-time 2 -o /dev/null "$(HP /healthz)" 2>/dev/null && break
  [ "$i" -lt 100 ] || fail "gateway not reachable through HAProxy"
  sleep 0.1
done

# raw ADDR PORT HEX: connects from ADDR, sends the bytes, prints what came back (hex)
# and whether the peer closed ("closed") within 5 s.
raw() {
  "$PY" - "$@" <<'PY'
import socket, sys
src, port, data = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(src, 0))
got, state = b"", "open"
try:
    if data:
        s.sendall(data)
    while len(got) < 65536:
        b = s.recv(4096)
        if not b:
            state = "closed"
            break
        got += b
except ConnectionResetError:
    state = "closed"
except socket.timeout:
    pass
print(got.hex() or "-", state)
PY
}
# A PROXY v2 header claiming TCP/IPv4 from 10.9.9.9:1234 to 127.0.0.1:8443.
FORGED=0d0a0d0a000d0a515549540a2111000c0a0909097f00000104d220fb

# 1. A device through HAProxy: its own address in the audit log and X-Forwarded-For.
TOKEN=$(dev_curl dev-a --interface 127.0.0.5 -f -X POST "$(HP /auth/token)" |
  "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') ||
  fail "no token through HAProxy"
expect_audit TOKEN_ISSUED 1
last_audit TOKEN_ISSUED | grep -q '"remote_ip":"127.0.0.5"' ||
  fail "TOKEN_ISSUED does not name the device's address: $(last_audit TOKEN_ISSUED)"
expect_status 200 via 127.0.0.5 dev_curl dev-a -H "Authorization: Bearer $TOKEN" \
  -H "X-Forwarded-For: 6.6.6.6" "$(HP /api/hello)"
xff=$("$PY" -c 'import json,sys
h=[v for k,v in json.load(open(sys.argv[1]))["headers"] if k.lower()=="x-forwarded-for"]
print(",".join(h))' "$T/body")
[ "$xff" = "127.0.0.5" ] || fail "backend got X-Forwarded-For '$xff', want 127.0.0.5"
last_audit JWT_OK | grep -q '"remote_ip":"127.0.0.5"' || fail "JWT_OK: $(last_audit JWT_OK)"
pass "through HAProxy the device's own address is audited and sent as X-Forwarded-For"

# 2. Outside proxy_protocol_from: closed before TLS, nothing sent back, audited.
out=$(raw 127.0.0.9 "$GW_PORT" "")
[ "$out" = "- closed" ] || fail "direct connection from 127.0.0.9 not closed at once: $out"
expect_audit PROXY_REFUSED 1
last_audit PROXY_REFUSED | grep -q '"remote_ip":"127.0.0.9".*proxy_protocol_from' ||
  fail "PROXY_REFUSED: $(last_audit PROXY_REFUSED)"
expect_status 000 gw_curl --interface 127.0.0.9 "$(URL /healthz)"
expect_audit PROXY_REFUSED 2
pass "a direct connection from outside proxy_protocol_from is closed before TLS and audited"

# 3. A forged header from that peer changes nothing: refused, audited as the peer, and
#    the third failure bans it.
out=$(raw 127.0.0.9 "$GW_PORT" "$FORGED")
[ "$out" = "- closed" ] || fail "forged header from 127.0.0.9 not refused: $out"
expect_audit PROXY_REFUSED 3
grep -q '10\.9\.9\.9' "$GW/audit.log" && fail "the forged address reached the audit log"
expect_audit IP_BANNED 1
last_audit IP_BANNED | grep -q '"remote_ip":"127.0.0.9"' || fail "IP_BANNED: $(last_audit IP_BANNED)"
raw 127.0.0.9 "$GW_PORT" "$FORGED" >/dev/null
expect_audit PROXY_REFUSED 3  # banned now: closed at accept without a record
pass "a forged PROXY header from an untrusted source is refused; the source is banned"

# 4. The trusted balancer sending a v1 header or garbage: refused and audited, but never
#    counted toward a ban (PROXY_HEADER_INVALID) (that would ban every device behind it).
for _ in 1 2 3 4; do
  out=$(raw 127.0.0.1 "$GW_PORT" "$(printf 'PROXY TCP4 10.9.9.9 127.0.0.1 1234 8443\r\n' | od -An -tx1 | tr -d ' \n')")
  [ "$out" = "- closed" ] || fail "v1 header not refused: $out"
done
expect_audit PROXY_HEADER_INVALID 4
last_audit PROXY_HEADER_INVALID | grep -q '"remote_ip":"127.0.0.1".*v1' ||
  fail "v1 refusal: $(last_audit PROXY_HEADER_INVALID)"
raw 127.0.0.1 "$GW_PORT" "160301" >/dev/null  # a ClientHello without a header
expect_audit PROXY_HEADER_INVALID 5
expect_audit PROXY_REFUSED 3
expect_audit IP_BANNED 1
expect_status 200 via 127.0.0.5 gw_curl "$(HP /healthz)"
pass "v1 and headerless input from the balancer are refused and audited; it is not banned"

# 5. Bans through HAProxy ban the device's address, not HAProxy's.
for _ in 1 2 3; do
  expect_status 401 via 127.0.0.6 gw_curl -X POST "$(HP /auth/token)"
done
expect_audit IP_BANNED 2
last_audit IP_BANNED | grep -q '"remote_ip":"127.0.0.6"' || fail "IP_BANNED: $(last_audit IP_BANNED)"
expect_status 000 via 127.0.0.6 dev_curl dev-b -X POST "$(HP /auth/token)"
expect_status 200 via 127.0.0.5 dev_curl dev-a -X POST "$(HP /auth/token)"
expect_status 200 via 127.0.0.7 dev_curl dev-b -X POST "$(HP /auth/token)"
pass "a ban through HAProxy bans the device's address; other devices behind it are served"

gw_stop
kill -TERM "$HP_PID"
wait "$HP_PID" 2>/dev/null || true
finish
