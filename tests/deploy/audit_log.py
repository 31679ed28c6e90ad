#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Gateway audit lines (SPEC §5) for the fail2ban tests, and the truth about a log.

  append FILE --event E --outcome O --ip IP [--count N] [--age SECONDS] [--device D]
      appends N records in the gateway's format: {"ts","seq","prev","event",
      "outcome","remote_ip",...}, ts = now - age (RFC 3339 UTC, ms), seq and prev
      (SHA-256 of the previous line) continuing the file's chain
  sample FILE
      writes a mixed log: every event name, success and failure, IPv4 and IPv6,
      other field orders, and device ids that try to inject a forged failure
  expect FILE
      parses FILE as JSON lines (a generated log or one a real gateway wrote) and
      prints the failure records a ban should count, one "IP EPOCH" per line:
      a non-empty remote_ip and an event the table marks as counting toward a ban
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import sys

# The event table is gateway/audit/events.hpp (the one list; rows like
# {Event::jwt_ok, "JWT_OK", Outcome::success, Ban::no, Client::named}): read from there,
# never copied here, so a new event reaches these tests without an edit.
EVENTS_HPP = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "..", "..", "gateway", "audit", "events.hpp")
ROW = re.compile(r'\{\s*Event::\w+,\s*"([A-Z_]+)",\s*Outcome::(\w+),\s*Ban::(\w+),'
                 r'\s*Client::(\w+)\s*\}')


def events():
    """[(name, outcome, counts_toward_ban, names_client)] in table order."""
    with open(EVENTS_HPP, encoding="utf-8") as f:
        rows = ROW.findall(f.read())
    if len(rows) < 20:
        sys.exit(f"audit_log.py: only {len(rows)} event rows found in {EVENTS_HPP}")
    return [(n, o, b == "counts", c == "named") for n, o, b, c in rows]


EVENTS = events()
SUCCESS = [n for n, o, _, c in EVENTS if o == "success" and c]
FAILURE = [n for n, o, _, c in EVENTS if o == "failure" and c]
NO_CLIENT = [n for n, _, _, c in EVENTS if not c]
BAN = {n for n, _, b, _ in EVENTS if b}


def ts(age=0.0):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=age)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def tail_state(path):
    try:
        with open(path, "rb") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return 0, "0" * 64
    if not lines:
        return 0, "0" * 64
    last = lines[-1]
    return json.loads(last)["seq"], hashlib.sha256(last).hexdigest()


def write(path, records):
    """records: lists of (key, value) pairs in the order they are written."""
    seq, prev = tail_state(path)
    with open(path, "ab") as f:
        for rec in records:
            seq += 1
            obj = {}
            for k, v in rec:
                obj[k] = seq if k == "seq" else prev if k == "prev" else v
            obj.setdefault("seq", seq)
            obj.setdefault("prev", prev)
            # ensure_ascii, as the gateway writes it: any non-ASCII byte is escaped.
            line = json.dumps(obj, separators=(",", ":"), ensure_ascii=True).encode()
            f.write(line + b"\n")
            prev = hashlib.sha256(line).hexdigest()


def std(event, outcome, ip, age=0.0, **extra):
    """The gateway's field order: ts, seq, prev, event, outcome, remote_ip, extras."""
    rec = [("ts", ts(age)), ("seq", 0), ("prev", ""), ("event", event),
           ("outcome", outcome), ("remote_ip", ip)]
    rec += list(extra.items())
    return rec


def cmd_append(a):
    extra = {"device_id": a.device} if a.device else {}
    write(a.file, [std(a.event, a.outcome, a.ip, a.age, **extra) for _ in range(a.count)])


def cmd_sample(a):
    recs = []
    for i, ev in enumerate(FAILURE):
        recs.append(std(ev, "failure", f"198.51.100.{i + 1}", reason="test"))
    for i, ev in enumerate(SUCCESS):
        recs.append(std(ev, "success", f"203.0.113.{i + 1}", device_id=f"dev-{i}"))
    for ev in NO_CLIENT:
        recs.append(std(ev, "failure", "", reason="bad signature"))
    # IPv6 clients, and the fields in other orders.
    recs.append(std("JWT_EXPIRED", "failure", "2001:db8:1::7", jti="abc"))
    recs.append([("seq", 0), ("remote_ip", "2001:db8:2::9"), ("event", "AUTH_NO_CERT"),
                 ("ts", ts()), ("outcome", "failure")])
    recs.append([("event", "JWT_OK"), ("outcome", "success"), ("ts", ts()),
                 ("remote_ip", "2001:db8:3::1"), ("seq", 0)])
    # Log injection: a device id (JSON-escaped by the writer) that spells out a forged
    # failure for a bystander. Must not match, and must never ban 192.0.2.66.
    forged = 'x","outcome":"failure","remote_ip":"192.0.2.66","ts":"' + ts() + '"}'
    recs.append(std("TOKEN_ISSUED", "success", "203.0.113.50", device_id=forged))
    recs.append(std("JWT_OK", "success", "203.0.113.51", reason=forged))
    # Non-ASCII in a value.
    recs.append(std("CERT_OU_MISMATCH", "failure", "198.51.100.200", subject="Gerät ü"))
    write(a.file, recs)


def cmd_expect(a):
    with open(a.file, "rb") as f:
        for raw in f:
            rec = json.loads(raw)
            ip = rec.get("remote_ip") or ""
            if rec.get("outcome") != "failure" or not ip or rec.get("event") not in BAN:
                continue
            t = datetime.datetime.strptime(rec["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
            epoch = int(t.replace(tzinfo=datetime.timezone.utc).timestamp())
            print(ip, epoch)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    ap = sub.add_parser("append")
    ap.add_argument("file")
    ap.add_argument("--event", required=True)
    ap.add_argument("--outcome", required=True)
    ap.add_argument("--ip", required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--age", type=float, default=0.0)
    ap.add_argument("--device")
    sp = sub.add_parser("sample")
    sp.add_argument("file")
    ep = sub.add_parser("expect")
    ep.add_argument("file")
    a = p.parse_args()
    {"append": cmd_append, "sample": cmd_sample, "expect": cmd_expect}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
