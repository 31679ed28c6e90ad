#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# https:// backends (issue 15): a real nginx on loopback (private config, TLS 1.2+) as
# the backend, behind the gateway:
#  * proxied requests work over TLS, verified against [backend] ca_file only; the
#    backend's certificate must name backend.url's host: by IP address SAN for
#    https://127.0.0.1, by DNS name (sent as SNI, nginx's $ssl_server_name) for
#    https://localhost;
#  * a backend certificate from another CA -> 502, the gateway stays up; a certificate
#    for another name (same CA) -> 502;
#  * backend.client_cert is presented when configured (nginx ssl_verify_client on sees
#    its subject; without it nginx answers 400 and the gateway passes that on);
#  * the pool still reuses TLS connections only after complete responses: two devices
#    alternating get their own X-Device-ID back every time over one or two connections;
#  * config validation names backend.ca_file / client_cert / client_key.
# Fails before the fix: the baseline refuses backend.url = "https://…" (exit 78).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

command -v nginx >/dev/null || fail "nginx is not installed (scripts/debian-packages.txt)"
gw_pki
gw_device dev-a
gw_device dev-b
gw_config

# The backend's own PKI, made with openssl: a CA, a server certificate for 127.0.0.1 and
# localhost, one for another name, the gateway's client certificate, and a stranger CA.
B="$T/backend"
mkdir -p "$B"
mkca() {  # mkca NAME
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=$1" -keyout "$B/$1.key" -out "$B/$1.crt" 2>/dev/null
}
mkleaf() {  # mkleaf NAME CA EXT
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
    -keyout "$B/$1.key" -out "$B/$1.csr" 2>/dev/null
  printf '%s\n' "$3" >"$B/$1.ext"
  openssl x509 -req -in "$B/$1.csr" -CA "$B/$2.crt" -CAkey "$B/$2.key" -CAcreateserial \
    -days 1 -extfile "$B/$1.ext" -out "$B/$1.crt" 2>/dev/null
  chmod 600 "$B/$1.key"
}
mkca backend-ca
mkca stranger-ca
mkleaf backend backend-ca "subjectAltName=IP:127.0.0.1,DNS:localhost"
mkleaf elsewhere backend-ca "subjectAltName=DNS:elsewhere.test,IP:127.0.0.2"
mkleaf gw-client backend-ca "extendedKeyUsage=clientAuth"

P_GOOD=$BE_PORT
P_NAME=$(free_port)
P_MTLS=$(free_port)
mkdir -p "$B/tmp"
cat >"$B/nginx.conf" <<CONF
daemon off;
master_process off;
pid $B/nginx.pid;
error_log $B/error.log info;
events { worker_connections 64; }
http {
  access_log $B/access.log;
  client_body_temp_path $B/tmp; proxy_temp_path $B/tmp; fastcgi_temp_path $B/tmp;
  uwsgi_temp_path $B/tmp; scgi_temp_path $B/tmp;
  default_type text/plain;
  ssl_protocols TLSv1.2 TLSv1.3;
  keepalive_requests 1000;
  server {
    listen 127.0.0.1:$P_GOOD ssl;
    ssl_certificate $B/backend.crt;
    ssl_certificate_key $B/backend.key;
    location / { return 200 "dev=\$http_x_device_id conn=\$connection sni=\$ssl_server_name\n"; }
  }
  server {
    listen 127.0.0.1:$P_NAME ssl;
    ssl_certificate $B/elsewhere.crt;
    ssl_certificate_key $B/elsewhere.key;
    location / { return 200 "dev=\$http_x_device_id\n"; }
  }
  server {
    listen 127.0.0.1:$P_MTLS ssl;
    ssl_certificate $B/backend.crt;
    ssl_certificate_key $B/backend.key;
    ssl_verify_client on;
    ssl_client_certificate $B/backend-ca.crt;
    location / { return 200 "dev=\$http_x_device_id client=\$ssl_client_s_dn\n"; }
  }
}
CONF
nginx -t -q -p "$B" -c "$B/nginx.conf" 2>"$B/t.err" || fail "nginx refuses its config: $(cat "$B/t.err")"
nginx -p "$B" -c "$B/nginx.conf" 2>"$B/nginx.err" &
NGINX_PID=$!
track_pid "$NGINX_PID"
wait_for curl -sf --cacert "$B/backend-ca.crt" "https://127.0.0.1:$P_GOOD/"

# backend_toml URL [more [backend] lines]: replaces the [backend] section gw_config wrote.
backend_toml() {
  local url=$1
  shift
  "$PY" - "$GW/gateway.toml" "$url" "$@" <<'PY'
import re, sys
path, url, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(path).read()
section = '[backend]\nurl = "%s"\n%s' % (url, "".join(l + "\n" for l in extra))
text = re.sub(r'\[backend\]\n(?:[a-z_]+ = [^\n]*\n)*', section + 'timeout = "3s"\npool_size = 8\n', text)
open(path, "w").write(text)
PY
}
restart_gw() {
  if [ -n "${GW_PID:-}" ] && kill -0 "$GW_PID" 2>/dev/null; then gw_stop; fi
  gw_start
  TOK_A=$(token_for dev-a)
  TOK_B=$(token_for dev-b)
}
api() {  # api DEV TOKEN PATH [curl args]
  local id=$1 tok=$2 path=$3
  shift 3
  dev_curl "$id" -H "Authorization: Bearer $tok" "$(URL "$path")" "$@"
}

CA_LINE="ca_file = \"$B/backend-ca.crt\""
backend_toml "https://127.0.0.1:$P_GOOD" "$CA_LINE"
expect_exit 0 iot-gateway check-config --config "$GW/gateway.toml"
restart_gw
expect_status 200 api dev-a "$TOK_A" /api/one
grep -q '^dev=dev-a conn=[0-9]* sni=$' "$T/body" || fail "https backend by IP: $(cat "$T/body")"
pass "https://127.0.0.1 backend: proxied over TLS, IP SAN verified, no SNI for an address"

# Pooled reuse: alternating devices, each gets its own identity back; few connections.
: >"$T/conns"
for i in $(seq 1 10); do
  if [ $((i % 2)) -eq 0 ]; then id=dev-a tok=$TOK_A; else id=dev-b tok=$TOK_B; fi
  expect_status 200 api "$id" "$tok" "/api/seq-$i"
  grep -q "^dev=$id conn=" "$T/body" || fail "request $i of $id got: $(cat "$T/body")"
  sed -n 's/.* conn=\([0-9]*\) .*/\1/p' "$T/body" >>"$T/conns"
done
conns=$(sort -u "$T/conns" | wc -l)
[ "$conns" -le 2 ] || fail "10 sequential requests used $conns TLS connections (no reuse)"
pass "10 alternating requests over the pool: each device's own identity, $conns TLS connection(s) reused"

backend_toml "https://localhost:$P_GOOD" "$CA_LINE"
restart_gw
expect_status 200 api dev-a "$TOK_A" /api/sni
grep -q '^dev=dev-a conn=[0-9]* sni=localhost$' "$T/body" || fail "https://localhost: $(cat "$T/body")"
pass "https://localhost backend: DNS name verified and sent as SNI"

backend_toml "https://127.0.0.1:$P_GOOD" "ca_file = \"$B/stranger-ca.crt\""
restart_gw
expect_status 502 api dev-a "$TOK_A" /api/wrong-ca
expect_status 200 gw_curl "$(URL /healthz)"
pass "backend certificate from a CA not in backend.ca_file -> 502, gateway stays up"

backend_toml "https://127.0.0.1:$P_NAME" "$CA_LINE"
restart_gw
expect_status 502 api dev-a "$TOK_A" /api/wrong-name
pass "backend certificate for another name (same CA) -> 502"

backend_toml "https://127.0.0.1:$P_MTLS" "$CA_LINE"
restart_gw
expect_status 400 api dev-a "$TOK_A" /api/no-client-cert
backend_toml "https://127.0.0.1:$P_MTLS" "$CA_LINE" "client_cert = \"$B/gw-client.crt\"" \
  "client_key = \"$B/gw-client.key\""
restart_gw
expect_status 200 api dev-a "$TOK_A" /api/mtls
grep -q '^dev=dev-a client=CN=gw-client$' "$T/body" || fail "client certificate: $(cat "$T/body")"
expect_status 200 api dev-b "$TOK_B" /api/mtls-2
grep -q '^dev=dev-b client=CN=gw-client$' "$T/body" || fail "second request: $(cat "$T/body")"
pass "backend.client_cert is presented (nginx ssl_verify_client on accepts it; without it: 400)"
gw_stop

# Config validation, each problem naming its key.
check_bad() {  # check_bad KEY MESSAGE [backend lines…] (url first)
  local key=$1 msg=$2
  shift 2
  backend_toml "$@"
  expect_exit 78 iot-gateway check-config --config "$GW/gateway.toml"
  grep -q "$key: .*$msg" "$T/last.out" "$T/last.err" ||
    fail "check-config does not name $key ($msg): $(cat "$T/last.out" "$T/last.err")"
}
check_bad backend.ca_file "must name the CAs" "https://127.0.0.1:$P_GOOD"
check_bad backend.ca_file "https:// backends only" "http://127.0.0.1:$P_GOOD" "$CA_LINE"
check_bad backend.client_key "together with backend.client_cert" "https://127.0.0.1:$P_GOOD" \
  "$CA_LINE" "client_cert = \"$B/gw-client.crt\""
chmod 644 "$B/gw-client.key"
check_bad backend.client_key "" "https://127.0.0.1:$P_GOOD" "$CA_LINE" \
  "client_cert = \"$B/gw-client.crt\"" "client_key = \"$B/gw-client.key\""
check_bad backend.url "must start with http:// or https://" "ftp://127.0.0.1:$P_GOOD"
pass "check-config names backend.ca_file, client_cert/client_key (pairing, 0600) and backend.url"

kill "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null || true
finish
