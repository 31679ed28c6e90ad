#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A backend that misbehaves on purpose, for the hostile suite (tests/hostile/).

  hostile_backend.py PORT [LOG]

LOG, when given, gets one line per request received: its target, as repr().
With HOSTILE_TLS_CERT and HOSTILE_TLS_KEY set (PEM files) it speaks TLS (an https://
backend); every sendall is then at least one TLS record of its own.

Raw sockets, HTTP/1.1 keep-alive, one thread per connection. Every final response is
JSON naming whose request it answers, so a client can tell its own response from
another device's:
  {"device": [every X-Device-ID value received], "nonce": X-Nonce, "path", "method",
   "mode", "wsgi": {HTTP_* variables as CGI/WSGI would fold the headers},
   "headers": [[name, value], ...], "body_len", "conn": the connection's number}

The path picks the misbehaviour (the query is ignored unless named):
  /api/echo            a plain 200 with Content-Length (also any unknown path)
  /api/continue        100 Continue (even unasked), reads the body, waits, then the 200
  /api/early-hints     103 Early Hints with a Link header, waits, then the 200
  /api/interim?n=K     K interim responses (100, 102, 103 in turn), then the 200
  /api/extra           the 200, then an unsolicited second 200 (same nonce, "extra":
                       true) ?gap=MS later (0: in the same write)
  /api/extra-record    the 200, then the unsolicited second 200 in a second write,
                       both in one TCP segment (TCP_CORK): over TLS the second record
                       arrives with the first and waits in the client's TLS buffers,
                       not on its socket
  /api/eof             a 200 with a body and no length, then closes
  /api/early           a 403 before reading the request body, keeps the connection:
                       the unread body is then parsed as the next request
  /api/switch          101 Switching Protocols, then a 200
  /api/slow?s=N        waits N seconds, then the 200
  /api/head-body       answers HEAD with a Content-Length and (wrongly) a body
"""
import json
import os
import socket
import ssl
import sys
import threading
import time
from urllib.parse import parse_qs, urlparse

MAX_HEAD = 64 * 1024
MAX_BODY = 4 * 1024 * 1024
IDLE = 30  # seconds a connection may stay idle


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                raise EOFError
            self.fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append([name, value.strip()])
        return method, target, headers

    def read_body(self, headers):
        length = 0
        for name, value in headers:
            if name.lower() == "content-length":
                length = min(int(value or 0), MAX_BODY)
        while len(self.buf) < length:
            self.fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return body


def wsgi_env(headers):
    env = {}
    for name, value in headers:
        key = "HTTP_" + name.upper().replace("-", "_")
        env[key] = env[key] + "," + value if key in env else value
    return env


def final(doc, status="200 OK", length=True, extra_headers=()):
    body = json.dumps(doc).encode()
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json"]
    if length:
        head.append(f"Content-Length: {len(body)}")
    head.extend(extra_headers)
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


LOG = None
LOG_LOCK = threading.Lock()
CONNS = [0]  # connections accepted so far


def log(target):
    if LOG:
        with LOG_LOCK, open(LOG, "a") as f:
            f.write(repr(target) + "\n")


def serve(sock):
    sock.settimeout(IDLE)
    with LOG_LOCK:
        CONNS[0] += 1
        conn_no = CONNS[0]
    c = Conn(sock)
    try:
        while True:
            method, target, headers = c.read_head()
            log(target)
            url = urlparse(target)
            path, query = url.path, parse_qs(url.query)
            doc = {
                "device": [v for n, v in headers if n.lower() == "x-device-id"],
                "nonce": next((v for n, v in headers if n.lower() == "x-nonce"), ""),
                "path": target,
                "method": method,
                "mode": path,
                "wsgi": wsgi_env(headers),
                "headers": headers,
                "conn": conn_no,
            }
            if path == "/api/early":
                sock.sendall(final(doc, "403 Forbidden"))
                continue  # the body stays unread: it becomes the "next request"
            if path == "/api/continue":
                sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = c.read_body(headers)
            doc["body_len"] = len(body)
            if path == "/api/continue":
                time.sleep(0.05)
            elif path == "/api/early-hints":
                sock.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
                time.sleep(0.05)
            elif path == "/api/interim":
                n = int(query.get("n", ["3"])[0])
                codes = ["100 Continue", "102 Processing", "103 Early Hints"]
                for i in range(n):
                    sock.sendall(f"HTTP/1.1 {codes[i % 3]}\r\n\r\n".encode())
                time.sleep(0.05)
            elif path == "/api/slow":
                time.sleep(float(query.get("s", ["5"])[0]))
            elif path == "/api/switch":
                sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n"
                             b"Connection: upgrade\r\n\r\n")
            if path == "/api/eof":
                sock.sendall(final(doc, length=False))
                return
            out = final(doc)
            if method == "HEAD":
                if path != "/api/head-body":
                    out = out.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            if path == "/api/extra-record":
                # Corked: both writes (both TLS records) leave in one TCP segment.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
                sock.sendall(out)
                doc["extra"] = True
                sock.sendall(final(doc))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
                continue
            if path == "/api/extra":
                doc["extra"] = True
                gap = float(query.get("gap", ["0"])[0]) / 1000
                if gap > 0:
                    sock.sendall(out)
                    time.sleep(gap)
                    out = b""
                out += final(doc)
            sock.sendall(out)
    except (EOFError, OSError, ValueError):
        pass
    finally:
        sock.close()


def serve_tls(sock, tls):
    try:
        sock.settimeout(IDLE)
        sock = tls.wrap_socket(sock, server_side=True)
    except OSError:  # ssl.SSLError included
        sock.close()
        return
    serve(sock)


def main():
    global LOG
    LOG = sys.argv[2] if len(sys.argv) > 2 else None
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1])))
    srv.listen(64)
    tls = None
    if os.environ.get("HOSTILE_TLS_CERT"):
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.environ["HOSTILE_TLS_CERT"], os.environ["HOSTILE_TLS_KEY"])
    while True:
        sock, _ = srv.accept()
        target = serve if tls is None else (lambda s: serve_tls(s, tls))
        threading.Thread(target=target, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()
