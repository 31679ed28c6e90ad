#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of fuzz_backend_response from real backend output: the raw
bytes that tests/gateway/backend.py (a stock http.server) and
tests/hostile/hostile_backend.py send for each of their behaviours, as read from the
socket, each prefixed with the fuzz target's flag byte.

  make_backend_response_corpus.py OUT_DIR
"""
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BACKENDS = {
    "stock": os.path.join(HERE, "..", "gateway", "backend.py"),
    "hostile": os.path.join(HERE, "..", "hostile", "hostile_backend.py"),
}
# (backend, method, path, extra headers, body, flag byte)
CASES = [
    ("stock", "GET", "/api/hello", "", b"", 0),
    ("stock", "POST", "/api/x", "Expect: 100-continue\r\n", b'{"a":1}', 4),
    ("stock", "HEAD", "/api/x", "", b"", 1),
    ("stock", "GET", "/nope", "Connection: close\r\n", b"", 2),
    ("hostile", "GET", "/api/echo", "", b"", 0),
    ("hostile", "POST", "/api/continue", "", b"body", 8),
    ("hostile", "GET", "/api/early-hints", "", b"", 12),
    ("hostile", "GET", "/api/interim?n=8", "", b"", 16),
    ("hostile", "GET", "/api/interim?n=9", "", b"", 0),
    ("hostile", "GET", "/api/extra", "", b"", 0),
    ("hostile", "GET", "/api/eof", "", b"", 2),
    ("hostile", "POST", "/api/early", "", b"GET /x HTTP/1.1\r\n\r\n", 20),
    ("hostile", "GET", "/api/switch", "", b"", 0),
    ("hostile", "HEAD", "/api/head-body", "", b"", 1),
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def capture(port, method, path, headers, body):
    req = (f"{method} {path} HTTP/1.1\r\nHost: b\r\nX-Device-ID: dev-1\r\nX-Nonce: n1\r\n"
           f"{headers}Content-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(req)
        s.settimeout(0.5)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
    return data


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    procs, ports = [], {}
    try:
        for name, script in BACKENDS.items():
            ports[name] = free_port()
            procs.append(subprocess.Popen(["/usr/bin/python3", script, str(ports[name])]))
        time.sleep(1)
        for i, (backend, method, path, headers, body, flag) in enumerate(CASES):
            data = capture(ports[backend], method, path, headers, body)
            name = f"{i:02d}-{backend}-{method.lower()}-{path.strip('/').replace('/', '_')}"
            name = name.replace("?", "_").replace("=", "")
            with open(os.path.join(out, name), "wb") as f:
                f.write(bytes([flag]) + data)
    finally:
        for p in procs:
            p.terminate()
            p.wait()


if __name__ == "__main__":
    main()
