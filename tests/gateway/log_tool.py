#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The export's transparency log, written by the test (the fixed format of issue 12,
# docs/trust.md), independent of the project's code: hashlib only.
#   log_tool.py write DIR CERT...  log-leaves.bin + log-head.json of the certificates
#                                  (PEM, in this order) into DIR, and manifest.json in
#                                  DIR updated to list both and carry "log" (re-sign it)
#   log_tool.py write DIR --pad N CERT...  the same, then N filler leaves (benchmarks)
#   log_tool.py leaf CERT          the certificate's leaf hash (hex)
import base64
import datetime
import hashlib
import json
import os
import sys


def der_of(path):
    text = open(path).read()
    body = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(body.split()))


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from verify_log import leaf_hash as leaf, mth  # noqa: E402  (the one copy of RFC 9162)


def entry(name, data):
    return {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write(out, certs, pad=0):
    leaves = [leaf(der_of(c)) for c in certs]
    leaves += [leaf(b"filler %d" % i) for i in range(pad)]
    blob = b"".join(leaves)
    root = mth(leaves).hex()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    head = {"format": "iot-pki-log-head/1", "tree_size": len(leaves), "root_hash": root,
            "timestamp": now, "leaves": entry("log-leaves.bin", blob)}
    head_bytes = (json.dumps(head, indent=2) + "\n").encode()
    open(os.path.join(out, "log-leaves.bin"), "wb").write(blob)
    open(os.path.join(out, "log-head.json"), "wb").write(head_bytes)
    mpath = os.path.join(out, "manifest.json")
    m = json.load(open(mpath))
    m["files"] = [f for f in m["files"] if f["name"] not in ("log-head.json", "log-leaves.bin")]
    m["files"] += [entry("log-head.json", head_bytes), entry("log-leaves.bin", blob)]
    m["log"] = {"tree_size": len(leaves), "root_hash": root}
    open(mpath, "w").write(json.dumps(m, indent=2) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "write" and len(sys.argv) > 4 and sys.argv[3] == "--pad":
        write(sys.argv[2], sys.argv[5:], int(sys.argv[4]))
    elif sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "leaf":
        print(leaf(der_of(sys.argv[2])).hex())
    else:
        sys.exit("usage: log_tool.py write DIR CERT... | leaf CERT")
