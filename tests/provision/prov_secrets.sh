#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The registry file, its WAL and the journal never contain a token's secret (raw bytes
# searched, in every encoding the tools use); token files are mode 0600; no other
# command's output carries a secret.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
H=$T/pki
new_home "$H"
umask 022  # the tools, not the umask, must make token files private
# Hold a connection open so SQLite keeps the WAL file (the last connection to close
# checkpoints and deletes it): the search below then sees the WAL as written.
$PY -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); c.execute("SELECT count(*) FROM tokens").fetchall()
time.sleep(300)' "$H/registry.db" &
track_pid $!
sleep 0.3

iot-provision --home "$H" token --device-id s-1 >"$T/t1" 2>/dev/null
iot-provision --home "$H" token --device-id s-2 --out "$T/t2" >/dev/null
printf 's-%d\n' $(seq 3 12) >"$T/ids"
iot-provision --home "$H" token --batch "$T/ids" --out "$T/batch.csv" >"$T/batch.out"
[ "$(file_mode "$T/t2")" = 600 ] || fail "token --out mode $(file_mode "$T/t2")"
[ "$(file_mode "$T/batch.csv")" = 600 ] || fail "token --batch --out mode $(file_mode "$T/batch.csv")"
pass "token files are created 0600 whatever the umask"

# Use some: one enrolled, one failed attempt, one batch row.
chmod 600 "$T/t1"
make_device_csr s-1 "$T/dev"
make_device_csr s-3 "$T/dev"
iot-provision --home "$H" enroll --token-file "$T/t1" --csr "$T/dev/s-1.csr" --out "$T/s-1.crt" \
  >/dev/null 2>&1 || fail "enroll s-1"
iot-provision --home "$H" enroll --token-file "$T/t2" --csr "$T/dev/s-3.csr" --out "$T/x.crt" \
  >"$T/fail.out" 2>"$T/fail.err" && fail "wrong-device enroll succeeded"
{
  echo "token,csr_path"
  grep '^s-3,' "$T/batch.csv" | cut -d, -f2 | sed "s|\$|,$T/dev/s-3.csr|"
} >"$T/m.csv"
iot-provision --home "$H" enroll --batch "$T/m.csv" --out-dir "$T/out" >"$T/batchrun.out" 2>&1 ||
  fail "batch: $(cat "$T/batchrun.out")"

# Everything else a user or log collector would see.
iot-provision --home "$H" list >"$T/list.txt"
iot-provision --home "$H" --json list >"$T/list.json"
iot-provision --home "$H" --json purge >"$T/purge.json"
iot-ca --home "$H" --json list >"$T/ca-list.json"
sqlite3 "$H/registry.db" .dump >"$T/dump.sql"

[ -s "$H/registry.db-wal" ] || fail "test bug: no WAL file to search"
tokens=$(cat "$T/t1" "$T/t2"; cut -d, -f2 "$T/batch.csv" | tail -n +2)
$PY - "$H" "$T" <<PYEOF || fail "a token secret was found"
import base64, glob, os, sys
home, t = sys.argv[1], sys.argv[2]
tokens = """$tokens""".split()
assert len(tokens) == 12, len(tokens)
needles = []
for tok in tokens:
    secret = tok.split("_", 2)[2]
    raw = base64.urlsafe_b64decode(secret + "=")
    assert len(raw) == 32
    needles += [tok.encode(), secret.encode(), raw, raw.hex().encode(), raw.hex().upper().encode(),
                base64.b64encode(raw).rstrip(b"=")]
files = [p for p in glob.glob(home + "/**", recursive=True) if os.path.isfile(p)]
files += [os.path.join(t, n) for n in ("list.txt", "list.json", "purge.json", "ca-list.json",
                                       "dump.sql", "fail.out", "fail.err", "batchrun.out",
                                       "batch.out", "out/report.csv")]
assert any(p.endswith("registry.db") for p in files)
for p in files:
    data = open(p, "rb").read()
    for n in needles:
        assert n not in data, f"secret found in {p}"
print(f"searched {len(files)} files for {len(needles)} encodings of 12 secrets")
PYEOF
pass "registry.db, -wal/-shm, journal (dump), list/purge/report/error output: no secret in any encoding"

# The registry stores Argon2id PHC strings only; the journal holds ids, never hashes.
[ "$(sql "$H" "SELECT count(*) FROM tokens WHERE hash NOT LIKE '\$argon2id\$v=19\$m=8192,t=1,p=1\$%'")" = 0 ] ||
  fail "a non-Argon2id hash is stored"
sql "$H" "SELECT detail FROM journal WHERE action LIKE 'token.%'" | grep -q argon2 && fail "hash in journal"
[ "$(sql "$H" "SELECT count(DISTINCT substr(hash, 30, 22)) FROM tokens")" = "$(sql "$H" "SELECT count(*) FROM tokens")" ] ||
  fail "salts are not unique per token"
pass "only Argon2id PHC strings with a per-token salt are stored; the journal has no hashes"
finish
