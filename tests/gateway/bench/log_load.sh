#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a ctest): the gateway loading a transparency log of N leaves (default
# 1,000,000) on a reload, with require_logged = true. Prints the gateway's RSS before
# and after (VmRSS, VmHWM), the reload's duration (drop of the files → CRL_LOADED), and
# TLS handshakes + token requests completed per second by one client before and during
# the reload. docs/benchmarks.md "Transparency log at the gateway".
#   IOTPKI_BIN=$PWD/build/bin bash tests/gateway/bench/log_load.sh [N]
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../lib.sh"

N=${1:-1000000}
LOGT=$(dirname "$0")/../log_tool.py
gw_pki
gw_device dev-1
ca export --out "$T/first" >/dev/null
CERTS=("$PKIH/root/ca.crt" "$PKIH/issuing/iss1/ca.crt" "$PKIH/publisher/publisher.crt"
  "$GW/server.crt" "$DEV/dev-1.crt")
sign() {
  openssl cms -sign -binary -outform DER -md sha256 -in "$1/manifest.json" \
    -signer "$PKIH/publisher/publisher.crt" -inkey "$PKIH/publisher/publisher.key" \
    -nosmimecap -out "$1/manifest.json.p7s" 2>/dev/null || fail "cms -sign"
}
ca export --out "$T/small" >/dev/null
"$PY" "$LOGT" write "$T/small" "${CERTS[@]}"
sign "$T/small"
for f in log-leaves.bin log-head.json ca-bundle.pem crl.pem manifest.json manifest.json.p7s; do cp "$T/small/$f" "$GW/trust/$f"; done
ca export --out "$T/big" >/dev/null
"$PY" "$LOGT" write "$T/big" --pad "$((N - ${#CERTS[@]}))" "${CERTS[@]}"
sign "$T/big"
GW_TRUST_EXTRA="require_logged = true" gw_config
gw_start_backend
gw_start
rss() { grep -E "^$1:" "/proc/$GW_PID/status" | awk '{print $2}'; }
token_for dev-1 >/dev/null
echo "before: VmRSS $(rss VmRSS) kB, VmHWM $(rss VmHWM) kB (log of ${#CERTS[@]})"
# rate SECONDS: mTLS handshakes + POST /auth/token completed per second by one
# client (a new connection each time), printed per second.
rate() {
  "$PY" - "$GW_PORT" "$DEV/dev-1.crt" "$DEV/dev-1.key" "$GW/trust/ca-bundle.pem" "$1" <<'PY'
import socket, ssl, sys, time
port, crt, key, ca, secs = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(crt, key)
ctx.check_hostname = False
end = time.monotonic() + secs
buckets = {}
t0 = time.monotonic()
while time.monotonic() < end:
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with ctx.wrap_socket(raw) as s:
            s.sendall(b"POST /auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    if data.startswith(b"HTTP/1.1 200"):
        b = int(time.monotonic() - t0)
        buckets[b] = buckets.get(b, 0) + 1
print(" ".join(str(buckets.get(i, 0)) for i in range(int(secs))))
PY
}
echo "tokens/s per second before (one client, new mTLS connection each): $(rate 4)"
loads=$(audit_count CRL_LOADED)
rate 8 >"$T/during" &
rate_pid=$!
sleep 1
start=$(date +%s.%N)
for f in log-leaves.bin log-head.json ca-bundle.pem crl.pem manifest.json manifest.json.p7s; do
  cp "$T/big/$f" "$GW/trust/.$f.tmp" && mv "$GW/trust/.$f.tmp" "$GW/trust/$f"
done
kill -HUP "$GW_PID"
for _ in $(seq 1 600); do
  [ "$(audit_count CRL_LOADED)" -gt "$loads" ] && break
  sleep 0.05
done
end=$(date +%s.%N)
wait "$rate_pid"
last_audit CRL_LOADED | grep -q "log of $N " || fail "not loaded: $(last_audit CRL_LOADED) $(last_audit TRUST_REJECTED)"
echo "reload of $N leaves: $(echo "$end - $start" | bc) s (files dropped at second 1 → CRL_LOADED)"
echo "tokens/s per second across the reload: $(cat "$T/during")"
token_for dev-1 >/dev/null
echo "after: VmRSS $(rss VmRSS) kB, VmHWM $(rss VmHWM) kB (log of $N)"
gw_stop
