# SPDX-License-Identifier: Apache-2.0
"""Helpers for audit_anchor.sh: tamper with an audit log the way an attacker with write
access would, check a checkpoint independently, and compare the local log with the
collector's copy.

  audit_tool.py recompute IN OUT LINE   change line LINE's device_id / reason, then
                                         recompute every later seq/prev hash
  audit_tool.py edit IN OUT LINE        change line LINE only (no recompute)
  audit_tool.py signed-bytes LINE_JSON MSG_OUT SIG_OUT
                                         write the exact signed bytes and the raw sig
  audit_tool.py compare LOCAL REMOTE    every local record is in REMOTE (same line), or
                                         in a seq range an AUDIT_FORWARD_LOST states
  audit_tool.py line-of LOG EVENT KIND N  1-based line number of the Nth checkpoint of
                                         KIND (or the Nth record of EVENT when KIND is -)
"""
import base64
import hashlib
import json
import re
import sys


def lines(path):
    with open(path, encoding="ascii") as f:
        return f.read().splitlines()


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def tweak(line):
    d = json.loads(line)
    d["reason"] = "edited by an attacker"
    return json.dumps(d, separators=(",", ":"))


def main():
    cmd = sys.argv[1]
    if cmd in ("recompute", "edit"):
        src, dst, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
        ls = lines(src)
        ls[n - 1] = tweak(ls[n - 1])
        if cmd == "recompute":
            for i in range(n, len(ls)):
                d = json.loads(ls[i])
                d["prev"] = sha(ls[i - 1])
                # Keep the writer's field order: re-render with the same keys.
                ls[i] = json.dumps(d, separators=(",", ":"))
        with open(dst, "w", encoding="ascii") as f:
            f.write("\n".join(ls) + "\n")
    elif cmd == "signed-bytes":
        d = json.loads(sys.argv[2])
        msg = (
            "iot-gateway audit checkpoint v1\n"
            f"kind:{d['checkpoint']}\nseq:{d['seq']}\nprev:{d['prev']}\nts:{d['ts']}\n"
            f"interval_ms:{d['interval_ms']}\nkid:{d['kid']}\n"
        )
        with open(sys.argv[3], "wb") as f:
            f.write(msg.encode())
        with open(sys.argv[4], "wb") as f:
            f.write(base64.b64decode(d["sig"], validate=True))
    elif cmd == "compare":
        local = lines(sys.argv[2])
        remote = set(l.strip() for l in lines(sys.argv[3]) if l.strip())
        lost = []
        for l in local:
            d = json.loads(l)
            if d["event"] == "AUDIT_FORWARD_LOST":
                m = re.search(r"(\d+) audit records \(seq (\d+)-(\d+)\)", d["reason"])
                lost.append((int(m.group(2)), int(m.group(3)), int(m.group(1))))
        missing = []
        for l in local:
            seq = json.loads(l)["seq"]
            if l in remote:
                continue
            if any(a <= seq <= b for a, b, _ in lost):
                continue
            missing.append(seq)
        if missing:
            print(f"records missing at the collector and not stated lost: {missing[:20]}")
            sys.exit(1)
        stated = sum(c for _, _, c in lost)
        arrived = sum(1 for l in local if l in remote)
        print(f"{arrived} of {len(local)} records at the collector; {stated} stated lost")
    elif cmd == "line-of":
        path, event, kind, want = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
        seen = 0
        for i, l in enumerate(lines(path), 1):
            d = json.loads(l)
            if d["event"] == event and (kind == "-" or d.get("checkpoint") == kind):
                seen += 1
                if seen == want:
                    print(i)
                    return
        sys.exit(f"no {event}/{kind} #{want} in {path}")
    else:
        sys.exit("unknown command " + cmd)


main()
