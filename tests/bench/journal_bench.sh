#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `iot-ca journal verify` cost (issue 11, item 4): wall time and peak RSS on a registry
# of N certificates, each with its issuance record, one in ten revoked with its revoke
# record, and N/2 redeemed tokens — seeded by Python with the documented record hash
# (tests/cli/journal_rechain.py's encoding), then checked clean.
#
#   tests/bench/journal_bench.sh [BIN_DIR] [N ...]     default: build/bin 100000
# Run by hand (not under ctest); needs a Release build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BIN=$(cd "${1:-$here/../../build/bin}" && pwd)
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000)
W=$(mktemp -d "${TMPDIR:-/tmp}/iotpki-journalbench.XXXXXX")
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$W"' EXIT
for n in "${SIZES[@]}"; do
  H=$W/$n
  "$BIN/iot-ca" --home "$H" init --cn "Bench Root" --key ec-p256 --no-passphrase >/dev/null 2>&1
  /usr/bin/python3 - "$H/registry.db" "$n" <<'PY'
import base64, hashlib, json, os, sqlite3, sys
db = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2])
def rh(seq, ts, action, detail, prev):
    enc = "".join(f"{len(f.encode())}:{f}," for f in [str(seq), str(ts), action, detail, prev]).encode()
    return hashlib.sha256(enc).hexdigest()
seq, prev = db.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
db.execute("PRAGMA synchronous=OFF"); db.execute("BEGIN")
ts = 1800000000
def rec(action, detail):
    global seq, prev
    seq += 1; d = json.dumps(detail, separators=(",", ":")); h = rh(seq, ts, action, d, prev)
    db.execute("INSERT INTO journal VALUES(?,?,?,?,?,?)", (seq, ts, action, d, prev, h)); prev = h
for i in range(n):
    der = os.urandom(600); serial = "4" + os.urandom(20).hex().upper()[1:]
    pem = "-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der).decode() + "-----END CERTIFICATE-----\n"
    fp = hashlib.sha256(der).hexdigest().upper(); dev = f"dev-{i}"; subj = f"CN={dev}"
    revoked = i % 10 == 0
    db.execute("INSERT INTO certs VALUES(?,?,?,?,?,?,?,?,?,?,?)", (serial, dev, "device", "root", subj,
               ts, ts + 86400 * 365, ts, pem, ts + 5 if revoked else None, "keyCompromise" if revoked else None))
    rec("issue", {"device_id": dev, "issuer": "root", "not_after": ts + 86400 * 365, "profile": "device",
                  "serial": serial, "sha256": fp, "subject": subj})
    if i % 2 == 0:
        tid = os.urandom(12).hex()
        db.execute("INSERT INTO tokens VALUES(?,?,?,?,?,?,?)", (tid, dev, "x", ts, ts + 900, ts + 1, serial))
        rec("token.create", {"device_id": dev, "expires_at": "2027-01-15T08:15:00Z", "id": tid})
        rec("token.redeem", {"device_id": dev, "id": tid, "serial": serial, "used_at": ts + 1})
    if revoked:
        rec("revoke", {"device_id": dev, "issuer": "root", "profile": "device", "reason": "keyCompromise",
                       "revoked_at": ts + 5, "scope": "cert", "serial": serial})
db.execute("UPDATE tokens SET expires_at = 1800000900")
db.commit()
PY
  sqlite3 "$H/registry.db" "UPDATE tokens SET expires_at = strftime('%s', '2027-01-15T08:15:00Z')" >/dev/null
  records=$(sqlite3 "$H/registry.db" "SELECT count(*) FROM journal")
  /usr/bin/time -f "%e %M %U %S" -o "$W/time" "$BIN/iot-ca" --home "$H" journal verify >"$W/out" 2>&1 ||
    { cat "$W/out" | head -5; exit 1; }
  read -r secs kib usr sys <"$W/time"
  /usr/bin/time -f "%e %M" -o "$W/time0" "$BIN/iot-revoke" --home "$H" crl --out "$W/crl.pem" >/dev/null
  /usr/bin/time -f "%e %M" -o "$W/time1" "$BIN/iot-revoke" --home "$H" crl --out "$W/crl.pem" >/dev/null
  read -r c0 _ <"$W/time0"
  read -r c1 _ <"$W/time1"
  echo "$n certificates, $records journal records: journal verify ${secs}s wall (${usr}s user, ${sys}s sys), peak RSS $((kib / 1024)) MiB; iot-revoke crl ${c0}s (first), ${c1}s (guarded by the previous one)"
done
