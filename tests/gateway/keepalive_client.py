#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""One TLS connection kept open across a change on the gateway's side.

  keepalive_client.py PORT CA CERT KEY "CMD" TOKEN_A TOKEN_B

Sends GET /api/hello with TOKEN_A, runs CMD (a shell command: revoke, export, wait for
the reload), then on the SAME connection sends TOKEN_B and TOKEN_A again. Prints one
line per request, "status code", and fails if the connection was replaced.
"""
import json
import ssl
import subprocess
import sys
from http.client import HTTPSConnection


def main():
    port, ca, cert, key, cmd, tok_a, tok_b = sys.argv[1:8]
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(cert, key)
    conn = HTTPSConnection("127.0.0.1", int(port), context=ctx, timeout=60)

    def call(token):
        conn.request("GET", "/api/hello", headers={"Authorization": "Bearer " + token})
        r = conn.getresponse()
        body = r.read()
        code = json.loads(body).get("code", "-") if r.status != 200 else "-"
        print(r.status, code, flush=True)

    call(tok_a)
    sock_before = conn.sock
    local_before = conn.sock.getsockname()
    subprocess.run(["bash", "-c", cmd], check=True)
    call(tok_b)
    call(tok_a)
    if conn.sock is not sock_before or conn.sock.getsockname() != local_before:
        sys.exit("the connection was closed and replaced")
    print("same-connection", flush=True)


if __name__ == "__main__":
    main()
