#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Crash safety: kill -9 `iot-ca export` and `iot-revoke crl` at random points while
# they write a large (200,000-entry) CRL. After every kill the files a gateway reads
# are whole: each CRL parses and verifies against the bundle, the manifest either
# matches the files or is detectably older than them (export was killed between its
# renames; a reader that checks the manifest's hashes retries), no temp file has
# taken a real output's name, and CRL Numbers never go backwards or repeat.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/revoke_lib.bash"
H=$T/pki
TR=$T/trust
SINGLE=$T/single
KILLS=${REVOKE_CRASH_KILLS:-12}
mkdir -p "$SINGLE"
pki_home "$H" iss1
seed_revoked "$H/registry.db" iss1 200000

ms() { date +%s%3N; }
db_last() { sqlite3 "$H/registry.db" "SELECT last FROM crl_numbers WHERE ca='$1'"; }

# Checks the export directory; prints "complete" or "manifest-behind".
check_export() {
  local visible
  visible=$(find "$TR" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' | sort | tr '\n' ' ')
  [ "$visible" = "ca ca-bundle.pem crl crl.pem log-head.json log-head.json.p7s log-leaves.bin manifest.json manifest.json.p7s " ] || fail "unexpected files in $TR: $visible"
  # The DER copies for relying parties (crl/NAME.crl, ca/NAME.crt) are whole too.
  visible=$(find "$TR/crl" "$TR/ca" -mindepth 1 ! -name '.*' -printf '%P ' | tr ' ' '\n' | sort | tr '\n' ' ')
  [ "$visible" = "iss1.crl iss1.crt root.crl root.crt " ] || fail "unexpected DER files: $visible"
  for f in "$TR"/crl/*.crl; do
    openssl crl -inform DER -in "$f" -noout -verify -CAfile "$TR/ca-bundle.pem" 2>&1 |
      grep -q "verify OK" || fail "$f is not a whole CRL after a kill"
  done
  local n
  n=$(split_pem "$TR/crl.pem" "$T/parts")
  [ "$n" = 2 ] || fail "crl.pem holds $n CRLs"
  for f in "$T"/parts/part-*.pem; do
    openssl crl -in "$f" -noout -verify -CAfile "$TR/ca-bundle.pem" 2>&1 | grep -q "verify OK" ||
      fail "a CRL in crl.pem does not verify after a kill"
  done
  $PY - "$TR" "$T/parts" <<'PYEOF' || fail "export set inconsistent after a kill"
import hashlib, json, subprocess, sys
tr, parts = sys.argv[1], sys.argv[2]
m = json.load(open(tr + "/manifest.json"))  # whole JSON, or this raises
def sha(name):
    return hashlib.sha256(open(tr + "/" + name, "rb").read()).hexdigest()
want = {f["name"]: f["sha256"] for f in m["files"]}
def number(i):
    out = subprocess.run(["openssl", "crl", "-in", "%s/part-%d.pem" % (parts, i), "-noout",
                          "-crlnumber"], capture_output=True, text=True, check=True).stdout
    return int(out.strip().split("=")[1], 16)
nums = [number(1), number(2)]
listed = [c["crl_number"] for c in m["cas"]]
if sha("ca-bundle.pem") == want["ca-bundle.pem"] and sha("crl.pem") == want["crl.pem"]:
    assert nums == listed, (nums, listed)
    # The log is written before the manifest: a manifest that names this set names its log.
    for name in ("log-leaves.bin", "log-head.json"):
        assert sha(name) == want[name], name
    print("complete")
else:
    # Killed after crl.pem was renamed and before manifest.json was: the files are one
    # complete newer set, the manifest names the previous one.
    assert all(n > l for n, l in zip(nums, listed)), (nums, listed)
    print("manifest-behind")
PYEOF
}
export_numbers() {  # "root iss1" numbers in crl.pem
  split_pem "$TR/crl.pem" "$T/parts" >/dev/null
  echo "$((16#$(crl_number "$T/parts/part-1.pem"))) $((16#$(crl_number "$T/parts/part-2.pem")))"
}

# A first complete export, timed to spread the kills over its whole run.
t0=$(ms)
iot-ca --home "$H" export --out "$TR" >/dev/null
dur=$(($(ms) - t0))
[ "$(check_export)" = complete ] || fail "first export"
read -r prev_root prev_iss <<<"$(export_numbers)"
pass "a 200,000-entry export completes in ${dur} ms and verifies"

states=""
for i in $(seq 1 "$KILLS"); do
  delay=$((RANDOM % (dur + dur / 5 + 1)))
  iot-ca --home "$H" export --out "$TR" >/dev/null 2>&1 &
  pid=$!
  track_pid "$pid"
  sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  state=$(check_export) || exit 1
  read -r root iss <<<"$(export_numbers)"
  # Where the kill landed: before the new files (old set), or after them.
  [ "$iss" -gt "$prev_iss" ] && state="$state/new" || state="$state/old"
  states+="$state "
  [ "$root" -ge "$prev_root" ] && [ "$iss" -ge "$prev_iss" ] || fail "CRL numbers went backwards after kill $i"
  # The registry is never behind a number a file carries.
  [ "$(db_last root)" -ge "$root" ] && [ "$(db_last iss1)" -ge "$iss" ] || fail "registry behind the files"
  prev_root=$root prev_iss=$iss
done
pass "kill -9 of iot-ca export at $KILLS random points: files whole and verifying each time ($states)"

before_root=$(db_last root)
before_iss=$(db_last iss1)
iot-ca --home "$H" export --out "$TR" >/dev/null
[ "$(check_export)" = complete ] || fail "export after the kills"
read -r root iss <<<"$(export_numbers)"
# The root's CRL is kept in the home and reused while valid (issue 11): only the
# issuing CA's number moves.
[ "$root" = "$before_root" ] && [ "$iss" = $((before_iss + 1)) ] ||
  fail "after the kills: numbers $root/$iss, registry had $before_root/$before_iss"
[ "$root" = "$prev_root" ] && [ "$iss" -gt "$prev_iss" ] || fail "numbers did not move as expected"
leftover=$(find "$TR" -name '.*.pem.*' -o -name '.manifest.json.*' | wc -l)
[ "$leftover" = 0 ] || fail "stale temp files left after a complete export: $leftover"
pass "after the kills a complete export takes the next numbers (never reused) and sweeps stale temps"

# iot-revoke crl into one file.
t0=$(ms)
iot-revoke --home "$H" crl --out "$SINGLE/crl.pem" >/dev/null
dur=$(($(ms) - t0))
prev=$((16#$(crl_number "$SINGLE/crl.pem")))
for i in $(seq 1 "$KILLS"); do
  delay=$((RANDOM % (dur + dur / 5 + 1)))
  iot-revoke --home "$H" crl --out "$SINGLE/crl.pem" >/dev/null 2>&1 &
  pid=$!
  track_pid "$pid"
  sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  visible=$(find "$SINGLE" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f ')
  [ "$visible" = "crl.pem " ] || fail "unexpected files after kill $i: $visible"
  openssl crl -in "$SINGLE/crl.pem" -noout -verify -CAfile "$H/issuing/iss1/ca.crt" 2>&1 |
    grep -q "verify OK" || fail "crl.pem torn after kill $i"
  n=$((16#$(crl_number "$SINGLE/crl.pem")))
  [ "$n" -ge "$prev" ] || fail "CRL number went backwards after kill $i"
  [ "$(db_last iss1)" -ge "$n" ] || fail "registry behind the file"
  prev=$n
done
last=$(db_last iss1)
iot-revoke --home "$H" crl --out "$SINGLE/crl.pem" >/dev/null
n=$((16#$(crl_number "$SINGLE/crl.pem")))
[ "$n" = $((last + 1)) ] && [ "$n" -gt "$prev" ] || fail "number after kills: $n (registry had $last)"
[ "$(openssl crl -in "$SINGLE/crl.pem" -noout -text | grep -c 'Serial Number:')" = 200000 ] ||
  fail "final CRL entry count"
pass "kill -9 of iot-revoke crl at $KILLS random points: the file stays whole; numbers never repeat"

journal_chain_intact "$H"
finish
