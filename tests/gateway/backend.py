#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A tiny HTTP/1.1 backend for the gateway tests: echoes what it received as JSON.

  backend.py PORT          GET/POST any path -> {"path","method","headers","body"}
  /api/slow?s=N            sleeps N seconds first (to trigger the gateway's 504)
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the gateway's pool is exercised

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        url = urlparse(self.path)
        if url.path == "/api/slow":
            time.sleep(float(parse_qs(url.query).get("s", ["5"])[0]))
        doc = {
            "path": self.path,
            "method": self.command,
            # every header as received, repeated ones kept apart
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": body,
        }
        out = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.send_header("Connection", "keep-alive")
        self.send_header("X-Backend", "echo")
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, fmt, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
