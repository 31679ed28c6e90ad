#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Load generators for the gateway's DoS tests (issue 5). Every loop is bounded.

  dos_client.py flood PORT CA CERT KEY SECONDS RATE PID
      POST /auth/token from 127.0.0.20 over keep-alive connections at about RATE
      requests/s for SECONDS, while a well-behaved client on 127.0.0.21 asks for a token
      every 0.5 s. Prints one JSON summary (statuses, achieved rate, Retry-After seen,
      the well-behaved client's statuses, the gateway's RSS before/after in kB).
  dos_client.py slow PORT CA COUNT WAIT
      Opens COUNT TLS connections spread over 127.0.0.30.. (60 per address), sends half
      a request on each and stalls; after WAIT seconds counts how many the gateway has
      closed. Prints a JSON summary.
"""
import json
import socket
import ssl
import sys
import threading
import time
from http.client import HTTPSConnection


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def flood(port, ca, cert, key, seconds, rate, pid):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(cert, key)
    stats = {"200": 0, "429": 0, "other": 0, "retry_after_ok": True, "errors": 0}
    good = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    rss_before = rss_kb(pid)
    rss_peak = rss_before

    def worker(share):
        conn = None
        interval = 1.0 / share
        next_t = time.monotonic()
        while time.monotonic() < stop:
            try:
                if conn is None:
                    conn = HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30,
                                           source_address=("127.0.0.20", 0))
                conn.request("POST", "/auth/token")
                r = conn.getresponse()
                r.read()
                with lock:
                    if r.status == 200:
                        stats["200"] += 1
                    elif r.status == 429:
                        stats["429"] += 1
                        ra = r.getheader("Retry-After")
                        if ra is None or not ra.isdigit() or int(ra) < 1:
                            stats["retry_after_ok"] = False
                    else:
                        stats["other"] += 1
            except Exception:
                with lock:
                    stats["errors"] += 1
                conn = None
            next_t += interval
            delay = next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def polite():
        c = HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30,
                            source_address=("127.0.0.21", 0))
        while time.monotonic() < stop:
            try:
                c.request("POST", "/auth/token")
                r = c.getresponse()
                r.read()
                good.append(r.status)
            except Exception as e:
                good.append(str(e))
                c = HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30,
                                    source_address=("127.0.0.21", 0))
            time.sleep(0.5)

    threads = [threading.Thread(target=worker, args=(rate / 8.0,)) for _ in range(8)]
    threads.append(threading.Thread(target=polite))
    start = time.monotonic()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) and time.monotonic() < stop + 60:
        rss_peak = max(rss_peak, rss_kb(pid))
        time.sleep(0.5)
    for t in threads:
        t.join(timeout=60)
    elapsed = time.monotonic() - start
    total = stats["200"] + stats["429"] + stats["other"]
    print(json.dumps({**stats, "total": total, "rate": round(total / elapsed),
                      "good": good, "rss_before_kb": rss_before, "rss_peak_kb": rss_peak,
                      "rss_after_kb": rss_kb(pid)}))


def slow(port, ca, count, wait):
    ctx = ssl.create_default_context(cafile=ca)
    socks = []
    refused = 0
    for i in range(count):
        addr = f"127.0.0.{30 + i // 60}"
        try:
            raw = socket.create_connection(("127.0.0.1", port), timeout=30,
                                           source_address=(addr, 0))
            s = ctx.wrap_socket(raw, server_hostname="localhost")
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            socks.append(s)
        except (OSError, ssl.SSLError):
            refused += 1
    opened = len(socks)
    time.sleep(wait)
    closed = 0
    for s in socks:
        s.settimeout(0.2)
        try:
            data = s.recv(1024)
            if data == b"" or data.startswith(b"HTTP/1.1 4"):
                closed += 1
        except (socket.timeout, TimeoutError):
            pass
        except (OSError, ssl.SSLError):
            closed += 1
        s.close()
    print(json.dumps({"opened": opened, "refused": refused, "closed": closed}))


if __name__ == "__main__":
    if sys.argv[1] == "flood":
        p, ca, cert, key, secs, rate, pid = sys.argv[2:9]
        flood(int(p), ca, cert, key, float(secs), float(rate), int(pid))
    elif sys.argv[1] == "slow":
        p, ca, count, wait = sys.argv[2:6]
        slow(int(p), ca, int(count), float(wait))
    else:
        sys.exit(__doc__)
