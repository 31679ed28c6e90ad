#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# enroll --batch: 200 devices with 3 broken rows → 197 certificates and 3 report rows
# naming the problem. The same run killed with SIGKILL about half-way and re-run →
# every good device has exactly one certificate and no token was used twice; a third run
# is summarised as 0 enrolled, 197 re-emitted (fails on the baseline: it said
# "Enrolled 197 of 200", not telling re-emitted rows from new ones).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
umask 077
N=200
make_csrs "$N" node "$T/csr"  # once; both homes below enroll the same devices
corrupt_csr "$T/csr/node-0150.csr" "$T/csr/node-0150.broken.der"

# prepare HOME: tokens for node-0001..node-0200 and a manifest with three broken rows:
# line of node-0050 has a mangled token, node-0100 points at a missing CSR, node-0150
# at a CSR whose signature does not verify.
prepare() {
  local h=$1
  new_home "$h"
  seq -f 'node-%04g' 1 "$N" >"$h.ids"
  iot-provision --home "$h" token --batch "$h.ids" --out "$h.tokens.csv" >/dev/null ||
    fail "token --batch"
  [ "$(file_mode "$h.tokens.csv")" = 600 ] || fail "tokens.csv mode $(file_mode "$h.tokens.csv")"
  {
    echo "token,csr_path"
    tail -n +2 "$h.tokens.csv" | while IFS=, read -r id token _; do
      case "$id" in
        node-0050) echo "${token:0:40},csr/$id.csr" ;;
        node-0100) echo "$token,csr/missing.csr" ;;
        node-0150) echo "$token,csr/$id.broken.der" ;;
        *) echo "$token,csr/$id.csr" ;;
      esac
    done
  } >"$T/$(basename "$h").manifest.csv"
}

# check HOME OUTDIR: 197 certificates, one per good device, files match the registry.
check() {
  local h=$1 out=$2
  [ "$(sql "$h" "SELECT count(*) FROM certs WHERE profile='device'")" = 197 ] ||
    fail "device certificates in the registry: $(sql "$h" "SELECT count(*) FROM certs WHERE profile='device'")"
  [ -z "$(sql "$h" "SELECT device_id FROM certs WHERE profile='device' GROUP BY device_id HAVING count(*) > 1")" ] ||
    fail "a device has two certificates"
  [ "$(sql "$h" "SELECT count(*) FROM tokens WHERE used_at IS NOT NULL")" = 197 ] || fail "used tokens"
  [ "$(sql "$h" "SELECT count(DISTINCT serial) FROM tokens WHERE used_at IS NOT NULL")" = 197 ] ||
    fail "a serial recorded twice"
  [ "$(sql "$h" "SELECT count(*) FROM journal WHERE action='token.redeem'")" = 197 ] ||
    fail "a token redeemed twice in the journal"
  [ "$(sql "$h" "SELECT group_concat(device_id) FROM tokens WHERE used_at IS NULL ORDER BY device_id")" \
    = "node-0050,node-0100,node-0150" ] || fail "the wrong tokens are unused"
  [ "$(ls "$out"/*.crt | wc -l)" -eq 197 ] || fail "certificate files: $(ls "$out"/*.crt | wc -l)"
  local dot
  for dot in "$out"/.*; do
    case "$dot" in
      */. | */..) ;;
      *) if [ -e "$dot" ]; then fail "temporary file left: $dot"; fi ;;
    esac
  done
  # Every file is the registry's one certificate for that device (python3-cryptography
  # reads the files; one process, not one openssl per file).
  $PY - "$h/registry.db" "$out" <<'PYEOF' || fail "certificate files and registry differ"
import glob, os, sqlite3, sys
from cryptography import x509
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
reg = {d: int(s, 16) for d, s in db.execute("SELECT device_id, serial FROM certs WHERE profile='device'")}
files = {}
for f in glob.glob(os.path.join(sys.argv[2], "*.crt")):
    c = x509.load_pem_x509_certificate(open(f, "rb").read())
    files[os.path.basename(f)[:-4]] = c.serial_number
assert reg == files, (len(reg), len(files))
PYEOF
  openssl verify -CAfile "$(bundle_of "$h")" "$out/node-0001.crt" "$out/node-0200.crt" >/dev/null ||
    fail "openssl verify"
  # The report: one row per manifest row, in order, three errors naming the problem.
  local r=$out/report.csv
  [ "$(head -1 "$r")" = "line,device_id,status,serial,certificate,reason" ] || fail "report header"
  [ "$(tail -n +2 "$r" | wc -l)" -eq 200 ] || fail "report rows"
  [ "$(grep -c ',ok,' "$r")" -eq 197 ] || fail "ok rows"
  [ "$(grep -c ',error,' "$r")" -eq 3 ] || fail "error rows"
  grep -E '^51,,error,,,.*malformed token' "$r" >/dev/null || fail "row 51: $(sed -n 52p "$r")"
  grep -E '^101,,error,,,.*missing\.csr: no such file' "$r" >/dev/null || fail "row 101: $(sed -n 102p "$r")"
  grep -E '^151,,error,,,.*signature does not verify' "$r" >/dev/null || fail "row 151: $(sed -n 152p "$r")"
}

# 1. A clean run.
prepare "$T/a"
mkdir -p "$T/ma" && cp "$T/a.manifest.csv" "$T/ma/manifest.csv" && ln -s "$T/csr" "$T/ma/csr"
rc=0
iot-provision --home "$T/a" enroll --batch "$T/ma/manifest.csv" --out-dir "$T/a-out" --jobs 2 \
  >"$T/a.out" 2>"$T/a.err" || rc=$?
[ "$rc" -eq 65 ] || fail "batch with 3 bad rows: exit $rc (want 65): $(cat "$T/a.err")"
grep -q "Enrolled 197 of 200 devices, re-emitted 0 (enrolled by an earlier run), 3 errors;" "$T/a.out" ||
  fail "summary: $(cat "$T/a.out")"
grep -q "enroll: 200/200 rows" "$T/a.err" || fail "no plain progress line on a non-terminal stderr"
check "$T/a" "$T/a-out"
pass "200 rows, 3 broken: 197 certificates, 3 report rows naming the problem, exit 65"

# 2. The same run killed with SIGKILL about half-way, then re-run.
prepare "$T/b"
mkdir -p "$T/mb" && cp "$T/b.manifest.csv" "$T/mb/manifest.csv" && ln -s "$T/csr" "$T/mb/csr"
iot-provision --home "$T/b" enroll --batch "$T/mb/manifest.csv" --out-dir "$T/b-out" --jobs 2 \
  >/dev/null 2>&1 &
pid=$!
track_pid $pid
for _ in $(seq 1 3000); do
  n=$(sql "$T/b" "SELECT count(*) FROM tokens WHERE used_at IS NOT NULL" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 100 ] && break
  sleep 0.01
done
kill -9 $pid
wait $pid 2>/dev/null || true
done_at_kill=$(sql "$T/b" "SELECT count(*) FROM tokens WHERE used_at IS NOT NULL")
[ "$done_at_kill" -ge 90 ] && [ "$done_at_kill" -lt 197 ] || fail "killed at $done_at_kill of 197"
[ ! -e "$T/b-out/report.csv" ] || fail "the killed run finished"
rc=0
iot-provision --home "$T/b" enroll --batch "$T/mb/manifest.csv" --out-dir "$T/b-out" --jobs 2 \
  >"$T/b.out" 2>"$T/b.err" || rc=$?
[ "$rc" -eq 65 ] || fail "re-run: exit $rc: $(cat "$T/b.err")"
check "$T/b" "$T/b-out"
reemitted=$(grep -c 're-emitted' "$T/b-out/report.csv" || true)
[ "$reemitted" -ge "$done_at_kill" ] || fail "re-emitted $reemitted < done at kill $done_at_kill"
pass "killed with SIGKILL at $done_at_kill/197 and re-run: one certificate per device, no token used twice"

# 3. A third run is a no-op for the registry: everything re-emitted, nothing issued.
before=$(sql "$T/b" "SELECT count(*) FROM certs")
iot-provision --home "$T/b" --json enroll --batch "$T/mb/manifest.csv" --out-dir "$T/b-out" \
  >"$T/b3.json" 2>/dev/null || true
[ "$(sql "$T/b" "SELECT count(*) FROM certs")" = "$before" ] || fail "a re-run issued certificates"
[ "$(grep -c 're-emitted' "$T/b-out/report.csv")" -eq 197 ] || fail "third run report"
# The summary names them: none enrolled by this run, 197 re-emitted (fails on the
# baseline, which counted them as "Enrolled 197 of 200").
$PY -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert (d["enrolled"], d["reemitted"], d["ok"], d["errors"]) == (0, 197, 197, 3), d' "$T/b3.json" ||
  fail "third run --json counts: $(cat "$T/b3.json")"
iot-provision --home "$T/b" enroll --batch "$T/mb/manifest.csv" --out-dir "$T/b-out" \
  >"$T/b3.out" 2>/dev/null || true
grep -q "^Enrolled 0 of 200 devices, re-emitted 197 (enrolled by an earlier run), 3 errors;" "$T/b3.out" ||
  fail "third run summary: $(cat "$T/b3.out")"
pass "a finished batch re-run issues nothing; the summary counts 0 enrolled and 197 re-emitted"

# 4. A repeated device in one manifest: the first line wins, deterministically.
{
  echo "token,csr_path"
  iot-provision --home "$T/b" token --device-id node-0001 2>/dev/null | sed 's|$|,csr/node-0001.csr|'
  iot-provision --home "$T/b" token --device-id node-0001 2>/dev/null | sed 's|$|,csr/node-0001.csr|'
} >"$T/mb/dup.csv"
rc=0
iot-provision --home "$T/b" enroll --batch "$T/mb/dup.csv" --out-dir "$T/dup-out" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 65 ] || fail "dup manifest exit $rc"
grep -q '^3,node-0001,error,,,.*also on line 2' "$T/dup-out/report.csv" || fail "dup: $(cat "$T/dup-out/report.csv")"
pass "a device repeated in one manifest: the later row is refused, naming the first"
finish
