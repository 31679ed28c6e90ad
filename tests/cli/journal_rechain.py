#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Rewrites a registry's CA journal as an attacker with write access to registry.db
would: renumbers the records 1..n in their order and recomputes every prev and hash
with the documented encoding (docs/operations.md: SHA-256 over the length-prefixed
seq, ts, action, detail and prev; the length is the UTF-8 byte count). No project code.

    journal_rechain.py REGISTRY_DB
"""
import hashlib
import sqlite3
import sys


def record_hash(seq, ts, action, detail, prev):
    fields = [str(seq), str(ts), action, detail, prev]
    enc = "".join(f"{len(f.encode())}:{f}," for f in fields).encode()
    return hashlib.sha256(enc).hexdigest()


def main(path):
    db = sqlite3.connect(path)
    rows = db.execute("SELECT seq, ts, action, detail FROM journal ORDER BY seq").fetchall()
    db.execute("BEGIN")
    db.execute("DELETE FROM journal")
    prev = ""
    for seq, (_, ts, action, detail) in enumerate(rows, 1):
        h = record_hash(seq, ts, action, detail, prev)
        db.execute("INSERT INTO journal(seq, ts, action, detail, prev, hash) VALUES(?,?,?,?,?,?)",
                   (seq, ts, action, detail, prev, h))
        prev = h
    db.commit()
    db.close()


if __name__ == "__main__":
    main(sys.argv[1])
