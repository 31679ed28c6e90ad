# Helpers shared by the revocation integration tests and tests/bench/crl_bench.sh.
# (Not named *.sh: CMake turns every tests/revoke/*.sh into a test.)

# seed_revoked DB ISSUER COUNT [NOW]: inserts COUNT revoked device certificates issued
# by ISSUER straight into the registry (no PEM behind them: a CRL needs only the
# serial, issuer and revocation columns). Serials are 20 random octets with the top
# bits 01, as the CA makes them; reasons cycle through four RFC 5280 names.
seed_revoked() {
  local db=$1 issuer=$2 count=$3 now=${4:-$(date +%s)}
  sqlite3 "$db" <<SQL
PRAGMA synchronous=OFF;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $count)
INSERT INTO certs(serial, device_id, profile, issuer, subject, not_before, not_after,
                  issued_at, pem, revoked_at, reason)
SELECT '4' || substr(hex(randomblob(20)), 2), 'seed-' || i, 'device', '$issuer',
       'CN=seed-' || i, $now - 86400, $now + 365 * 86400, $now - 86400, '',
       $now - (i % 86400),
       CASE i % 4 WHEN 0 THEN 'keyCompromise' WHEN 1 THEN 'cessationOfOperation'
                  WHEN 2 THEN 'superseded' ELSE 'unspecified' END
FROM n;
SQL
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
