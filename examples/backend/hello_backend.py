#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A tiny HTTP backend for the demo: answers every request with JSON naming the path
and the device the gateway vouched for (X-Device-ID). Listens on 127.0.0.1 only.
Usage: hello_backend.py PORT"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Hello(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        doc = {
            "hello": self.headers.get("X-Device-ID"),
            "path": self.path,
            "method": self.command,
            "forwarded_for": self.headers.get("X-Forwarded-For"),
            "body_bytes": len(body),
        }
        out = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, fmt, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Hello).serve_forever()
