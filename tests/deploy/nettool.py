#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Small, bounded network helpers for the deployment tests (run inside netns).

  serve --ready FILE PORT...        listen on every PORT (IPv4 and IPv6), accept and
                                    hold connections until killed
  connect HOST PORT --count N [--timeout S] [--hold-until FILE] [--max-hold S]
                                    open N connections one after another, keeping them
                                    open; print one line per attempt ("ok"/"fail <why>")
                                    and a final "ok=K fail=F"; with --hold-until, keep
                                    them open until FILE exists (at most --max-hold s)
  ping HOST --count N [--timeout S] send N ICMP echo requests back to back, print
                                    "replies=R"

Every wait is bounded; nothing here talks to anything but the address it is given.
"""
import argparse
import os
import select
import socket
import struct
import sys
import threading
import time


def serve(args):
    held = []
    listeners = []
    for port in args.ports:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        s.listen(512)
        listeners.append(s)

    def loop(s):
        while True:
            conn, _ = s.accept()
            held.append(conn)

    for s in listeners:
        threading.Thread(target=loop, args=(s,), daemon=True).start()
    with open(args.ready, "w") as f:
        f.write("ready\n")
    # Bounded: the test kills us long before this.
    time.sleep(args.max_life)


def connect(args):
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    socks = []
    ok = fail = 0
    for i in range(args.count):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(args.timeout)
        try:
            s.connect((args.host, args.port))
            print(f"{i + 1} ok", flush=True)
            ok += 1
            if args.close:
                s.close()
            else:
                socks.append(s)
        except OSError as e:
            print(f"{i + 1} fail {type(e).__name__}", flush=True)
            fail += 1
            s.close()
    print(f"ok={ok} fail={fail}", flush=True)
    if args.hold_until:
        deadline = time.monotonic() + args.max_hold
        while not os.path.exists(args.hold_until) and time.monotonic() < deadline:
            time.sleep(0.05)
    for s in socks:
        s.close()


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def ping(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    for seq in range(args.count):
        payload = b"iot-pki-deploy-test"
        header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        header = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, seq)
        s.sendto(header + payload, (args.host, 0))
    replies = set()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        pkt, _ = s.recvfrom(2048)
        ihl = (pkt[0] & 0x0F) * 4
        typ, _, _, pid, seq = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
        if typ == 0 and pid == ident:
            replies.add(seq)
    print(f"replies={len(replies)}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("serve")
    sv.add_argument("--ready", required=True)
    sv.add_argument("--max-life", type=float, default=600)
    sv.add_argument("ports", type=int, nargs="+")
    c = sub.add_parser("connect")
    c.add_argument("host")
    c.add_argument("port", type=int)
    c.add_argument("--count", type=int, default=1)
    c.add_argument("--timeout", type=float, default=2.0)
    c.add_argument("--close", action="store_true")
    c.add_argument("--hold-until")
    c.add_argument("--max-hold", type=float, default=30)
    pg = sub.add_parser("ping")
    pg.add_argument("host")
    pg.add_argument("--count", type=int, default=20)
    pg.add_argument("--timeout", type=float, default=2.0)
    args = p.parse_args()
    {"serve": serve, "connect": connect, "ping": ping}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
