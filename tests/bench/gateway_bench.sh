#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Gateway benchmark, side by side with nginx's mTLS in one run (loopback only).
#   1. full mTLS handshakes per second (openssl s_time -new), gateway vs nginx
#   2. RSS per idle keep-alive mTLS connection with N (10,000) connections open
#   3. gateway RSS with its per-client tables full (table_size distinct addresses)
# Usage: tests/bench/gateway_bench.sh [N_IDLE] [N_TABLE]   (as root, for ulimit -n)
# Binaries: $IOTPKI_BIN, else build/bin (build Release first). Prints ratios; it is not
# a timed test and asserts nothing.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N_IDLE=${1:-10000}
N_TABLE=${2:-65536}
BIN=${IOTPKI_BIN:-$REPO/build/bin}
export PATH="$BIN:$PATH"
PY=/usr/bin/python3
ulimit -n "$(ulimit -Hn)"  # 10,000 idle connections need more than the usual 1024

T=$(mktemp -d /tmp/iotpki-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; done
  for pid in "${PIDS[@]:-}"; do if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi; done
  rm -rf "$T"
}
trap cleanup EXIT
port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
rss_kib() { # sum of VmRSS over the given pids and their children
  local total=0 pid kids
  for pid in "$@"; do
    kids=$(pgrep -P "$pid" || true)
    for p in $pid $kids; do
      total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
    done
  done
  echo "$total"
}

echo "== setting up a PKI in $T"
H=$T/pki
mkdir -m 700 "$H"
iot-ca --home "$H" init --cn "Bench Root" --key ec-p256 --no-passphrase >/dev/null
iot-ca --home "$H" intermediate --name i1 --cn "Bench Issuing" --key ec-p256 --no-passphrase >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/server.key" 2>/dev/null
openssl req -new -key "$T/server.key" -subj /CN=localhost -out "$T/server.csr"
iot-ca --home "$H" sign --csr "$T/server.csr" --profile server --san DNS:localhost,IP:127.0.0.1 --chain --out "$T/server.crt" >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/dev.key" 2>/dev/null
openssl req -new -key "$T/dev.key" -subj /CN=bench-device -out "$T/dev.csr"
iot-ca --home "$H" sign --csr "$T/dev.csr" --profile device --out "$T/dev.crt" >/dev/null
iot-ca --home "$H" export --out "$T/trust" >/dev/null
iot-gateway jwt-key new --dir "$T/jwt" >/dev/null

GW_PORT=$(port)
NG_PORT=$(port)
cat >"$T/gateway.toml" <<TOML
[server]
listen = "127.0.0.1:$GW_PORT"
cert = "server.crt"
key = "server.key"
max_connections = $((N_IDLE + 1000))
max_connections_per_ip = $((N_IDLE + 1000))
header_timeout = "10m"
idle_timeout = "10m"
metrics_listen = ""
[trust]
bundle = "trust/ca-bundle.pem"
crl = "trust/crl.pem"
pins = ["$(openssl x509 -in "$H/root/ca.crt" -noout -fingerprint -sha256 | sed "s/.*=//")"]
[jwt]
keys_dir = "jwt"
[rate_limit]
table_size = $N_TABLE
[audit]
path = "audit.log"
TOML
mkdir -p "$T/nginx"
cat >"$T/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections $((N_IDLE + 1000)); }
http {
  access_log off;
  client_body_temp_path $T/nginx/body;
  proxy_temp_path $T/nginx/proxy;
  fastcgi_temp_path $T/nginx/fastcgi;
  uwsgi_temp_path $T/nginx/uwsgi;
  scgi_temp_path $T/nginx/scgi;
  server {
    listen 127.0.0.1:$NG_PORT ssl;
    ssl_certificate $T/server.crt;
    ssl_certificate_key $T/server.key;
    ssl_protocols TLSv1.3;
    ssl_ecdh_curve X25519:prime256v1;
    ssl_session_tickets off;
    ssl_session_cache off;
    ssl_client_certificate $T/trust/ca-bundle.pem;
    ssl_crl $T/trust/crl.pem;
    ssl_verify_client on;
    ssl_verify_depth 3;
    keepalive_timeout 600s;
    client_header_timeout 600s;
    keepalive_requests 1000000;
    location / { return 200 "ok\n"; }
  }
}
CONF
(cd "$T" && exec iot-gateway --config gateway.toml 2>"$T/gateway.err") &
GW_PID=$!
PIDS+=("$GW_PID")
nginx -c "$T/nginx.conf" -e "$T/nginx/error.log" &
NG_PID=$!
PIDS+=("$NG_PID")
wait_port "$GW_PORT"
wait_port "$NG_PORT"
sleep 1

s_time() {
  openssl s_time -connect "127.0.0.1:$1" -new -time 10 -cert "$T/dev.crt" -key "$T/dev.key" \
    -CAfile "$T/trust/ca-bundle.pem" -www "$2" 2>/dev/null | awk '/connections\/user sec/ {print $1, $5}' | tail -n1
}
echo "== 1. full mTLS handshakes (openssl s_time -new, 10 s each)"
read -r gw_conns gw_rate < <(s_time "$GW_PORT" /healthz)
read -r ng_conns ng_rate < <(s_time "$NG_PORT" /)
printf '   iot-gateway: %s connections, %s per client-CPU second\n' "$gw_conns" "$gw_rate"
printf '   nginx:       %s connections, %s per client-CPU second\n' "$ng_conns" "$ng_rate"
printf '   ratio gateway/nginx (connections in 10 s): %.2f\n' "$($PY -c "print($gw_conns/$ng_conns)")"

idle_rss() { # idle_rss NAME PORT PATH PIDS...
  local name=$1 port=$2 path=$3
  shift 3
  local before after opened
  before=$(rss_kib "$@")
  $PY "$REPO/tests/bench/tls_clients.py" idle 127.0.0.1 "$port" "$N_IDLE" "$T/dev.crt" "$T/dev.key" \
    "$T/trust/ca-bundle.pem" "$path" 30 >"$T/$name.opened" &
  local client=$!
  for _ in $(seq 1 1800); do [ -s "$T/$name.opened" ] && break; sleep 0.5; done
  sleep 2
  after=$(rss_kib "$@")
  opened=$(cat "$T/$name.opened")
  kill "$client" 2>/dev/null || true
  wait "$client" 2>/dev/null || true
  echo "$opened $before $after"
}
echo "== 2. RSS per idle mTLS keep-alive connection ($N_IDLE connections)"
read -r gw_open gw_before gw_after < <(idle_rss gateway "$GW_PORT" /healthz "$GW_PID")
read -r ng_open ng_before ng_after < <(idle_rss nginx "$NG_PORT" / "$NG_PID")
gw_per=$($PY -c "print(round(($gw_after-$gw_before)*1024/max($gw_open,1)))")
ng_per=$($PY -c "print(round(($ng_after-$ng_before)*1024/max($ng_open,1)))")
printf '   iot-gateway: %s open, RSS %s → %s KiB: %s bytes per connection\n' "$gw_open" "$gw_before" "$gw_after" "$gw_per"
printf '   nginx:       %s open, RSS %s → %s KiB: %s bytes per connection\n' "$ng_open" "$ng_before" "$ng_after" "$ng_per"
printf '   ratio gateway/nginx (bytes per connection): %.2f\n' "$($PY -c "print($gw_per/max($ng_per,1))")"

echo "== 3. gateway RSS with the per-client tables full ($N_TABLE addresses, table_size $N_TABLE)"
sleep 3
before=$(rss_kib "$GW_PID")
sprayed=$($PY "$REPO/tests/bench/tls_clients.py" spray 127.0.0.1 "$GW_PORT" "$N_TABLE" "$T/trust/ca-bundle.pem")
mid=$(rss_kib "$GW_PID")
$PY "$REPO/tests/bench/tls_clients.py" spray 127.0.0.1 "$GW_PORT" "$((N_TABLE / 4))" "$T/trust/ca-bundle.pem" >/dev/null
after=$(rss_kib "$GW_PID")
printf '   %s addresses: RSS %s → %s KiB (+%s KiB, %s bytes per address)\n' "$sprayed" "$before" "$mid" \
  "$((mid - before))" "$($PY -c "print(round(($mid-$before)*1024/max($sprayed,1)))")"
printf '   a further %s new addresses (tables full, evicting): RSS %s KiB (%+d KiB)\n' "$((N_TABLE / 4))" "$after" "$((after - mid))"
