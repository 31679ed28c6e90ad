#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Sends request targets to the gateway byte for byte (no client-side normalisation),
each on a fresh TLS connection with the device's certificate.

  raw_request.py PORT CA CERT KEY TOKEN < targets

One target per input line, written with Python escapes (\\x00, \\r, \\\\) so that any
byte can be sent. For each, prints: STATUS <TAB> the target as repr() <TAB> the
response body's first 200 bytes (STATUS is "ERR" when no response came).
"""
import socket
import ssl
import sys


def send(port, ctx, target, token):
    raw = (b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Authorization: Bearer " + token.encode() + b"\r\nConnection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as tcp:
        with ctx.wrap_socket(tcp, server_hostname="127.0.0.1") as tls:
            tls.sendall(raw)
            data = b""
            while len(data) < 1 << 20:
                try:
                    chunk = tls.recv(65536)
                except (ssl.SSLError, OSError):
                    break
                if not chunk:
                    break
                data += chunk
    if not data.startswith(b"HTTP/1."):
        return "ERR", b""
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b" ", 2)[1].decode(), body[:200]


def main():
    port, ca, cert, key, token = sys.argv[1:6]
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(cert, key)
    for line in sys.stdin.read().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        target = line.encode("latin-1").decode("unicode_escape").encode("latin-1")
        try:
            status, body = send(int(port), ctx, target, token)
        except OSError as e:
            status, body = "ERR", str(e).encode()
        print(f"{status}\t{target!r}\t{body.decode('latin-1').strip()}", flush=True)


if __name__ == "__main__":
    main()
