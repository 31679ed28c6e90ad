# Helpers shared by the revocation integration tests and tests/bench/crl_bench.sh.
# (Not named *.sh: CMake turns every tests/revoke/*.sh into a test.)

# seed_revoked DB ISSUER COUNT [NOW]: inserts COUNT revoked device certificates issued
# by ISSUER straight into the registry. A CRL needs only the serial, issuer and
# revocation columns, so each row's PEM holds 720 random bytes, not a certificate; each
# gets its transparency-log leaf (SHA-256(0x00 || DER), appended after the log's last)
# as insert_cert would, so exports and `iot-ca log verify` accept the registry. Serials
# are 20 random octets with the top bits 01, as the CA makes them; reasons cycle
# through four RFC 5280 names.
seed_revoked() {
  "$PY" - "$@" <<'PY'
import base64, hashlib, os, sqlite3, sys, time
db, issuer, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = int(sys.argv[4]) if len(sys.argv) > 4 else int(time.time())
reasons = ["keyCompromise", "cessationOfOperation", "superseded", "unspecified"]
con = sqlite3.connect(db)
con.execute("PRAGMA synchronous=OFF")
idx = con.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves").fetchone()[0]
certs, leaves = [], []
for i in range(1, count + 1):
    serial = ("%02X" % (0x40 | (os.urandom(1)[0] & 0x3F))) + os.urandom(19).hex().upper()
    der = os.urandom(720)
    b64 = base64.b64encode(der).decode()
    pem = ("-----BEGIN CERTIFICATE-----\n" +
           "".join(b64[k:k + 64] + "\n" for k in range(0, len(b64), 64)) +
           "-----END CERTIFICATE-----\n")
    certs.append((serial, "seed-%d" % i, "device", issuer, "CN=seed-%d" % i, now - 86400,
                  now + 365 * 86400, now - 86400, pem, now - (i % 86400), reasons[i % 4]))
    leaves.append((idx, serial, hashlib.sha256(b"\0" + der).digest()))
    idx += 1
with con:
    con.executemany("INSERT INTO certs(serial, device_id, profile, issuer, subject, not_before,"
                    " not_after, issued_at, pem, revoked_at, reason)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?)", certs)
    con.executemany("INSERT INTO log_leaves(idx, serial, leaf_hash) VALUES (?,?,?)", leaves)
con.close()
PY
}

# journal_chain_intact HOME: `iot-ca journal verify` finds the journal's hash chain
# intact. A registry seeded straight into SQLite (seed_revoked) has rows without
# journal records, which verify names as problems of the certs and crl tables; only
# those are expected here.
journal_chain_intact() {
  local out=$T/journal-verify.json
  iot-ca --home "$1" --json journal verify >"$out" 2>/dev/null || true
  "$PY" - "$out" <<'PY' || fail "journal verify: $(head -c 2000 "$out")"
import json, sys
r = json.load(open(sys.argv[1]))
bad = [p for p in r["problems"] if p["table"] not in ("certs", "crl")]
assert r["records"] > 0 and not bad, bad
PY
}

# split_pem FILE DIR: writes each PEM block of FILE as DIR/part-N.pem; prints N.
split_pem() {
  local file=$1 dir=$2
  mkdir -p "$dir"
  rm -f "$dir"/part-*.pem
  awk -v d="$dir" '/-----BEGIN /{n++} n{print > (d "/part-" n ".pem")} END{print n+0}' "$file"
}

# crl_number FILE [inform]: the CRL Number openssl reads from a CRL file.
crl_number() {
  openssl crl -in "$1" -inform "${2:-PEM}" -noout -crlnumber | sed 's/^crlNumber=0x//; s/^crlNumber=//'
}
