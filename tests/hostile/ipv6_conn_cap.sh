#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Class: per-client caps that an IPv6 host escapes by using more of its addresses
# (issue 9 item 7). One IPv6 host usually owns a whole /64; the per-client connection
# cap counts the /64, as the bans and token buckets do. In a network namespace made for
# the test (root, as in CI), lo carries 32 addresses of fd00:1::/64 and one of
# fd00:2::/64; the gateway listens on [::] there with max_connections_per_ip = 8. Twelve
# keep-alive connections from twelve different addresses of fd00:1::/64: 8 are served,
# the other 4 refused at accept. fd00:2::10 (another /64) and 127.0.0.1 are still
# served; closing the 8 frees the /64's slots again.
# Fails before the fix: the cap counts each address, so all 12 are served.
set -euo pipefail
if [ -z "${IOTPKI_IN_NETNS:-}" ]; then
  : "${IOTPKI_BIN:?IOTPKI_BIN must point at the folder holding the built binaries}"
  NS="iotpki-v6-$$"
  ip netns add "$NS" || {
    echo "FAIL: cannot create a network namespace (needs root)" >&2
    exit 1
  }
  trap 'ip netns del "$NS" 2>/dev/null || true' EXIT
  ip -n "$NS" link set lo up
  for i in $(seq 16 47); do
    ip -n "$NS" -6 addr add "fd00:1::$(printf %x "$i")/64" dev lo nodad
  done
  ip -n "$NS" -6 addr add fd00:2::10/64 dev lo nodad
  rc=0
  IOTPKI_IN_NETNS=1 ip netns exec "$NS" bash "$0" || rc=$?
  exit "$rc"
fi

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../gateway/lib.sh"

gw_pki
gw_config
sed -i "s/^listen = .*/listen = \"[::]:$GW_PORT\"/; s/^threads = 2/threads = 2\nmax_connections_per_ip = 8/" \
  "$GW/gateway.toml"
gw_start_backend
gw_start

"$PY" - "$GW_PORT" "$GW/trust/ca-bundle.pem" <<'PY' || fail "IPv6 /64 connection cap"
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)

def open_from(src):
    """A served keep-alive connection from src, or None if the gateway refused it."""
    try:
        raw = socket.create_connection(("::1", port), timeout=10, source_address=(src, 0))
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        data = s.recv(4096)
        if data.startswith(b"HTTP/1.1 200"):
            return s
        s.close()
    except (OSError, ssl.SSLError):
        pass
    return None

held = [open_from(f"fd00:1::{i:x}") for i in range(16, 28)]
served = [s for s in held if s]
print(f"fd00:1::/64: {len(served)} of 12 connections from 12 addresses served")
assert len(served) == 8, f"{len(served)} served, the cap is 8 per /64"
other = open_from("fd00:2::10")
assert other, "another /64 was refused"
v4 = socket.create_connection(("127.0.0.1", port), timeout=10)
v4 = ctx.wrap_socket(v4, server_hostname="localhost")
v4.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
assert v4.recv(4096).startswith(b"HTTP/1.1 200"), "IPv4 refused"
print("fd00:2::/64 and 127.0.0.1 served")
for s in served:
    s.close()
import time
for _ in range(50):
    again = open_from("fd00:1::2f")
    if again:
        break
    time.sleep(0.1)
assert again, "the /64's slots were not freed"
print("slots freed after close")
PY
pass "IPv6 connection cap counts the /64: 8 of 12 served from one /64, another /64 and IPv4 served, slots freed on close"
gw_stop
finish
