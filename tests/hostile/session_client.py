#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Raw TLS clients for the session's hostile tests. Every loop is bounded in bytes and time.

  session_client.py flood PORT CA CASE LIMIT_BYTES GATEWAY_PID
      Opens one TLS connection without a client certificate, sends the opening bytes of
      CASE, then repeats CASE's endless piece until the gateway answers or closes, or
      LIMIT_BYTES went out (or 60 s passed). Prints one JSON line: bytes sent when the
      answer came, the status (0 if none), whether the connection closed, the gateway's
      VmRSS before and at its peak (kB).
  session_client.py trailer_auth PORT CA CERT KEY TOKEN
      POST /api/hello, chunked, with the bearer token only in a trailer field. Prints the
      status line's code (0 if the connection closed without one).
  session_client.py ban PORT CA CERT KEY SRC METHOD PATH AUTH COUNT
      From address SRC: two idle keep-alive connections (one served GET /healthz, one
      POST /auth/token), then an attacking keep-alive connection sending METHOD PATH
      (AUTH: a bearer token, "-" for none, "nocert" for no client certificate) up to COUNT
      times. Prints JSON: responses served on the attacking connection, whether it was
      closed, whether the idle ones were closed within 5 s and whether a request on each
      afterwards was served.
  session_client.py upload PORT CA COUNT BODY_BYTES MODE
      COUNT times (sequentially, new connection each): POST /healthz with a body of
      BODY_BYTES sent at once (MODE "length": Content-Length; "chunked": 64 KiB chunks),
      reading the response while sending. Prints JSON: statuses seen, resets seen.
"""
import json
import select
import socket
import ssl
import sys
import time

CASES = {
    # name: (opening bytes, endless piece)
    "trailer": (b"POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"4\r\nabcd\r\n0\r\n", b"X-T: " + b"v" * 1000 + b"\r\n"),
    "trailer_one_line": (b"POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"0\r\nX-T: ", b"v" * 4096),
    "chunk_ext": (b"POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"4;a=", b"b" * 4096),
    "chunk_ext_many": (b"POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                       b"4", b";a=b" * 1024),
    "chunk_size": (b"POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                   b"0" * 4096),
    "tiny_chunks": (b"POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                    b"1\r\nx\r\n" * 1024),
    "empty_ext_chunks": (b"POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                         b"1;e=" + b"x" * 200 + b"\r\nx\r\n"),
    "header_line": (b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Long: ", b"v" * 4096),
    "request_line": (b"GET /", b"a" * 4096),
    "many_headers": (b"GET /healthz HTTP/1.1\r\nHost: a\r\n", b"X-A: b\r\n" * 512),
    "obs_fold": (b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Fold: v\r\n", b" folded\r\n" * 512),
}


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def connect(port, ca, cert=None, key=None, sndbuf=0):
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if sndbuf:
        # A small send buffer keeps "bytes sent" close to "bytes the gateway read".
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    raw.settimeout(10)
    raw.connect(("127.0.0.1", port))
    return ctx.wrap_socket(raw, server_hostname="localhost")


def status_of(data):
    # "HTTP/1.1 413 Payload Too Large" -> 413
    if data.startswith(b"HTTP/1.") and len(data) >= 12:
        try:
            return int(data[9:12])
        except ValueError:
            return -1
    return 0


def try_read(s, wait=0.0):
    """Whatever the gateway sent by now: (bytes, closed)."""
    data = b""
    closed = False
    deadline = time.monotonic() + wait
    while True:
        left = max(0.0, deadline - time.monotonic())
        if s.pending() == 0 and not select.select([s], [], [], left)[0]:
            break
        try:
            chunk = s.recv(65536)
        except ssl.SSLWantReadError:
            continue
        except (OSError, ssl.SSLError):
            closed = True
            break
        if not chunk:
            closed = True
            break
        data += chunk
        if b"\r\n\r\n" in data:
            break
    return data, closed


def flood(port, ca, case, limit, pid):
    head, piece = CASES[case]
    s = connect(port, ca, sndbuf=32768)
    rss_before = rss_peak = rss_kb(pid)
    sent = 0
    data = b""
    closed = False
    stop = time.monotonic() + 60
    s.sendall(head)
    sent += len(head)
    batch = piece * max(1, 16384 // len(piece))
    while sent < limit and time.monotonic() < stop:
        try:
            s.sendall(batch)
        except (OSError, ssl.SSLError):
            closed = True
            break
        sent += len(batch)
        got, closed = try_read(s, wait=0.001)
        data += got
        if sent % (1 << 20) < len(batch):
            rss_peak = max(rss_peak, rss_kb(pid))
        if data or closed:
            break
    if not data and not closed:
        got, closed = try_read(s, wait=2.0)
        data += got
    rss_peak = max(rss_peak, rss_kb(pid))
    s.close()
    print(json.dumps({"case": case, "sent": sent, "status": status_of(data), "closed": closed,
                      "rss_before_kb": rss_before, "rss_peak_kb": rss_peak}))


def trailer_auth(port, ca, cert, key, token):
    s = connect(port, ca, cert, key)
    s.sendall(b"POST /api/hello HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
              b"Connection: close\r\n\r\n4\r\nabcd\r\n0\r\nAuthorization: Bearer " +
              token.encode() + b"\r\n\r\n")
    data, _ = try_read(s, wait=10.0)
    print(status_of(data))


def upload(port, ca, count, size, mode):
    statuses = {}
    resets = 0
    body = b"x" * size
    for _ in range(count):
        s = connect(port, ca)
        if mode == "length":
            msg = (b"POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % size) + body
        else:
            chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
            msg = (b"POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   chunk * (size // 0x10000) + b"0\r\n\r\n")
        data = b""
        reset = False
        try:
            s.sendall(msg)
        except (OSError, ssl.SSLError):
            pass  # the gateway may stop reading once it answered; the answer counts
        try:
            got, _ = try_read(s, wait=10.0)
            data += got
        except (OSError, ssl.SSLError):
            reset = True
        code = status_of(data)
        if code == 0:
            reset = True
        resets += reset
        statuses[str(code)] = statuses.get(str(code), 0) + 1
        s.close()
    print(json.dumps({"statuses": statuses, "resets": resets}))


def connect_from(port, ca, src, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(src, 0))
    return ctx.wrap_socket(raw, server_hostname="localhost")


def read_response(s, timeout=10.0):
    """One response's status (body read by Content-Length), or None if the connection
    closed or nothing came in time."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        while len(rest) < length:
            chunk = s.recv(65536)
            if not chunk:
                return None
            rest += chunk
        return status_of(data)
    except (OSError, ssl.SSLError):
        return None


def request(s, method, path, auth=None):
    hdr = f"{method} {path} HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n"
    if auth:
        hdr += f"Authorization: Bearer {auth}\r\n"
    try:
        s.sendall((hdr + "\r\n").encode())
    except (OSError, ssl.SSLError):
        return None
    return read_response(s)


def closed_within(s, seconds):
    s.settimeout(seconds)
    try:
        return s.recv(1) == b""
    except (ssl.SSLError, ConnectionError):
        return True
    except OSError:  # timeout: still open
        return False


def ban(port, ca, cert, key, src, method, path, auth, count):
    idle = []
    for m, p in (("GET", "/healthz"), ("POST", "/auth/token")):
        c = connect_from(port, ca, src, cert, key)
        if request(c, m, p) != 200:
            sys.exit(f"idle connection setup: {m} {p} not served")
        idle.append(c)
    a = connect_from(port, ca, src, None if auth == "nocert" else cert,
                     None if auth == "nocert" else key)
    token = None if auth in ("-", "nocert") else auth
    statuses = []
    for _ in range(count):
        st = request(a, method, path, token)
        if st is None:
            break
        statuses.append(st)
    after = request(a, method, path, token)
    idle_closed = [closed_within(c, 5.0) for c in idle]
    idle_served = [request(c, "GET", "/healthz") is not None for c in idle]
    print(json.dumps({"statuses": statuses, "served": len(statuses),
                      "served_after": after is not None, "idle_closed": idle_closed,
                      "idle_served_after": idle_served}))


def main():
    cmd = sys.argv[1]
    if cmd == "flood":
        flood(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    elif cmd == "trailer_auth":
        trailer_auth(int(sys.argv[2]), *sys.argv[3:7])
    elif cmd == "ban":
        ban(int(sys.argv[2]), *sys.argv[3:10], int(sys.argv[10]))
    elif cmd == "upload":
        upload(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
