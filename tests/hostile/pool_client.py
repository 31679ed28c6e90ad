#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Devices interleaving requests through the gateway's backend pool, each checking that
every response it gets answers its own request (hostile_backend.py echoes X-Device-ID
and X-Nonce).

  pool_client.py PORT CA SPEC.json ROUNDS [--concurrent]

SPEC.json: a list of devices, each {"id", "cert", "key", "token", "method", "path",
"status", "body", "pause"}: the request that device sends every round (body: bytes to POST, sent
with Expect: 100-continue), the status it must get, and how long to wait before each
request (seconds). Sequential mode sends one
request per device per round, in order, each on the device's own keep-alive TLS
connection; --concurrent runs the devices in parallel threads. Prints a summary line
and exits 1 if any device got another device's response (or its own with the wrong
identity), 2 if any request failed or got an unexpected status.
"""
import json
import ssl
import sys
import threading
import time
import uuid
from http.client import HTTPException, HTTPSConnection


class Device:
    def __init__(self, spec, port, ca):
        self.spec = spec
        self.port = port
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.load_cert_chain(spec["cert"], spec["key"])
        self.conn = None
        self.ok = self.leaked = self.failed = 0
        self.notes = []

    def note(self, text):
        if len(self.notes) < 5:
            self.notes.append(text)

    def call(self):
        s = self.spec
        if s.get("pause"):
            time.sleep(s["pause"])
        nonce = uuid.uuid4().hex
        headers = {"Authorization": "Bearer " + s["token"], "X-Nonce": nonce}
        body = s.get("body") or None
        if body:
            body = body.encode()
            headers["Expect"] = "100-continue"
        try:
            if self.conn is None:
                self.conn = HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=8)
            self.conn.request(s.get("method", "GET"), s["path"], body=body, headers=headers)
            r = self.conn.getresponse()
            raw = r.read()
            status = r.status
            if r.will_close:
                self.conn.close()
                self.conn = None
        except (OSError, HTTPException) as e:
            self.failed += 1
            self.note(f"{s['id']} {s['path']}: {type(e).__name__} {e}")
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return
        doc = None
        try:
            doc = json.loads(raw)
        except ValueError:
            pass
        if isinstance(doc, dict) and "nonce" in doc:
            if doc["nonce"] != nonce or doc["device"] != [s["id"]]:
                self.leaked += 1
                self.note(f"{s['id']} got nonce {doc['nonce'][:8]} device {doc['device']} "
                          f"(path {doc.get('path')}), sent {nonce[:8]}")
                return
        if status != s["status"]:
            self.failed += 1
            self.note(f"{s['id']} {s['path']}: status {status}, want {s['status']}: {raw[:80]!r}")
            return
        if s["status"] == 200 and s.get("method") != "HEAD" and not isinstance(doc, dict):
            self.failed += 1
            self.note(f"{s['id']} {s['path']}: 200 without the backend's answer: {raw[:80]!r}")
            return
        self.ok += 1


def main():
    port, ca, spec_file, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with open(spec_file) as f:
        devices = [Device(s, int(port), ca) for s in json.load(f)]
    if "--concurrent" in sys.argv:
        def run(d):
            for _ in range(rounds):
                d.call()
        threads = [threading.Thread(target=run, args=(d,)) for d in devices]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for _ in range(rounds):
            for d in devices:
                d.call()
    ok = sum(d.ok for d in devices)
    leaked = sum(d.leaked for d in devices)
    failed = sum(d.failed for d in devices)
    print(f"ok={ok} leaked={leaked} failed={failed}")
    for d in devices:
        for n in d.notes:
            print("  " + n)
    sys.exit(1 if leaked else 2 if failed else 0)


if __name__ == "__main__":
    main()
