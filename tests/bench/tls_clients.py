#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Load helpers for the gateway benchmarks (loopback only, bounded in count and time).

  tls_clients.py idle HOST PORT N CERT KEY CA PATH HOLD_SECONDS
      Opens N mTLS connections (source addresses 127.0.0.2-127.0.0.201 in turn), sends
      one keep-alive GET PATH on each, then holds them all open for HOLD_SECONDS and
      prints how many were established.
  tls_clients.py spray HOST PORT N CA
      Opens N TLS connections without a client certificate, each from its own source
      address in 127.64.0.0/10, and POSTs /auth/token once: fills the per-client tables.
"""
import ipaddress
import socket
import ssl
import sys
import time

DEADLINE = time.monotonic() + 900  # hard bound for any run


def context(ca, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def connect(ctx, host, port, src):
    raw = socket.create_connection((host, port), timeout=10, source_address=(src, 0))
    return ctx.wrap_socket(raw, server_hostname="localhost")


def request(tls, method, path):
    tls.sendall(f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data and time.monotonic() < DEADLINE:
        chunk = tls.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def idle(host, port, n, cert, key, ca, path, hold):
    ctx = context(ca, cert, key)
    conns = []
    for i in range(n):
        if time.monotonic() > DEADLINE:
            break
        src = f"127.0.0.{2 + i % 200}"
        try:
            tls = connect(ctx, host, port, src)
            request(tls, "GET", path)
            conns.append(tls)
        except OSError as e:
            print(f"connection {i}: {e}", file=sys.stderr)
            break
    print(len(conns), flush=True)
    end = min(time.monotonic() + hold, DEADLINE)
    while time.monotonic() < end:
        time.sleep(0.5)
    for c in conns:
        c.close()


def spray(host, port, n, ca):
    ctx = context(ca)
    base = int(ipaddress.ip_address("127.64.0.1"))
    done = 0
    for i in range(n):
        if time.monotonic() > DEADLINE:
            break
        try:
            tls = connect(ctx, host, port, str(ipaddress.ip_address(base + i)))
            request(tls, "POST", "/auth/token")
            tls.close()
            done += 1
        except OSError:
            pass
    print(done, flush=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "idle":
        idle(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:9], float(sys.argv[9]))
    elif mode == "spray":
        spray(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(__doc__)
