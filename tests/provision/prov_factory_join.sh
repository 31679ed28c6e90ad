#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The factory line without awk: `enroll --batch tokens.csv --csr-dir DIR` takes the token
# file of `token --batch` as it is and each device's CSR from DIR/<device_id>.csr. A
# device without a CSR is one report row (and counted in the summary and exit status), a
# CSR for another device is refused by the device-match rule, a re-run enrolls the CSRs
# that arrived since and re-emits the rest. The token file keeps the secret-file rules.
# Spreadsheet habits: a UTF-8 BOM is accepted in every batch input, a ';' or tab
# delimiter is refused with a message naming it and ','.
# Fails before the fix: --csr-dir is an unknown option (exit 2), a BOM spoils the
# header (a row error), and a ';' file gets "expected 2 fields, found 1".
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
H=$T/pki
new_home "$H"
umask 077
make_csrs 6 p "$T/all"
make_csrs 1 x "$T/all"
mkdir "$T/csr"
for i in 1 2 3 6; do cp "$T/all/p-000$i.csr" "$T/csr/"; done
cp "$T/all/x-0001.csr" "$T/csr/p-0005.csr"  # the CSR of another device under p-0005's name
seq -f 'p-%04g' 1 6 >"$T/ids"
iot-provision --home "$H" token --batch "$T/ids" --out "$T/tokens.csv" >/dev/null 2>&1 ||
  fail "token --batch"

# 1. One command: 4 enrolled, p-0004 has no CSR, p-0005's CSR is for x-0001.
expect_exit 65 iot-provision --home "$H" enroll --batch "$T/tokens.csv" --csr-dir "$T/csr" \
  --out-dir "$T/out"
grep -q "^Enrolled 4 of 6 devices, re-emitted 0 (enrolled by an earlier run), 2 errors, 1 without a CSR in $T/csr;" \
  "$T/last.out" || fail "summary: $(cat "$T/last.out")"
expect_err_contains "2 of 6 rows failed (1 without a CSR)"
r=$T/out/report.csv
grep -q "^5,p-0004,error,,,no CSR for this device: $T/csr/p-0004.csr does not exist$" "$r" ||
  fail "missing CSR row: $(cat "$r")"
grep -q "^6,p-0005,error,,,.*the token is for device 'p-0005' but the CSR's CN is 'x-0001'" "$r" ||
  fail "mismatch row: $(cat "$r")"
[ "$(grep -c ',ok,' "$r")" -eq 4 ] || fail "ok rows: $(cat "$r")"
for i in 1 2 3 6; do
  openssl x509 -in "$T/out/p-000$i.crt" -noout -subject | grep -q "CN *= *p-000$i" ||
    fail "certificate of p-000$i"
done
[ ! -e "$T/out/p-0004.crt" ] && [ ! -e "$T/out/p-0005.crt" ] && [ ! -e "$T/out/x-0001.crt" ] ||
  fail "a certificate for a refused row"
[ "$(sql "$H" "SELECT group_concat(device_id) FROM (SELECT device_id FROM tokens WHERE used_at IS NULL ORDER BY device_id)")" \
  = "p-0004,p-0005" ] || fail "the wrong tokens are unused"
pass "token file + --csr-dir in one command: 4 enrolled, a missing CSR and a CSR of another device reported per row, exit 65"

# 2. p-0004's CSR arrives: the re-run enrolls it and re-emits the other four.
cp "$T/all/p-0004.csr" "$T/csr/"
iot-provision --home "$H" --json enroll --batch "$T/tokens.csv" --csr-dir "$T/csr" \
  --out-dir "$T/out" >"$T/rerun.json" 2>/dev/null && fail "re-run: exit 0 with p-0005 refused"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert (d["enrolled"], d["reemitted"], d["errors"], d["missing_csr"], d["total"]) == (1, 4, 1, 0, 6), d' \
  "$T/rerun.json" || fail "re-run counts: $(cat "$T/rerun.json")"
[ "$(sql "$H" "SELECT count(*) FROM certs WHERE profile='device'")" = 5 ] || fail "certificates issued"
pass "a re-run after a CSR arrived: 1 enrolled, 4 re-emitted, nothing issued twice"

# 3. The wrong form for the flags says which one to use (exit 2).
{ echo "token,csr_path"; tail -n +2 "$T/tokens.csv" | cut -d, -f2 | sed 's|$|,x.csr|'; } >"$T/m.csv"
expect_exit 2 iot-provision --home "$H" enroll --batch "$T/tokens.csv" --out-dir "$T/o2"
expect_err_contains "this is a token file (device_id,token,expires_at"
expect_err_contains "--csr-dir DIR"
expect_exit 2 iot-provision --home "$H" enroll --batch "$T/m.csv" --csr-dir "$T/csr" --out-dir "$T/o2"
expect_err_contains "this is a manifest (token,csr_path)"
expect_exit 66 iot-provision --home "$H" enroll --batch "$T/tokens.csv" --csr-dir "$T/nope" --out-dir "$T/o2"
expect_err_contains "--csr-dir $T/nope is not a directory"
pass "a token file without --csr-dir, a manifest with it, a missing --csr-dir: each refused, naming the fix"

# 4. The token file keeps the secret-file rules: readable by others → a warning; no
# token in any output, report or error.
seq -f 'q-%04g' 1 2 >"$T/qids"
make_csrs 2 q "$T/csr"
iot-provision --home "$H" token --batch "$T/qids" --out "$T/q.csv" >/dev/null 2>&1
chmod 644 "$T/q.csv"
expect_exit 0 iot-provision --home "$H" enroll --batch "$T/q.csv" --csr-dir "$T/csr" --out-dir "$T/qout"
expect_err_contains "holds secrets but group or others can read it"
for tok in $(tail -n +2 "$T/q.csv" | cut -d, -f2); do
  secret=${tok:30} # after iotp_<24-character id>_; the secret may itself hold '_'
  ! grep -rqF -- "$secret" "$T/last.out" "$T/last.err" "$T/qout" || fail "a token secret in the output"
done
pass "a group-readable token file is warned about; no secret in stdout, stderr or the report"

# 5. A UTF-8 BOM (and CRLF line ends) as a spreadsheet saves them: accepted in the token
# file, the manifest and the device list of token --batch.
make_csrs 3 b "$T/csr"
printf '\xef\xbb\xbfb-0001\r\nb-0002\r\nb-0003\r\n' >"$T/bids"
expect_exit 0 iot-provision --home "$H" token --batch "$T/bids" --out "$T/b.csv"
{ printf '\xef\xbb\xbf'; head -3 "$T/b.csv" | sed 's/$/\r/'; } >"$T/b-bom.csv"
expect_exit 0 iot-provision --home "$H" enroll --batch "$T/b-bom.csv" --csr-dir "$T/csr" --out-dir "$T/bout"
grep -q "^Enrolled 2 of 2 devices" "$T/last.out" || fail "BOM token file: $(cat "$T/last.out")"
{ printf '\xef\xbb\xbftoken,csr_path\r\n'; tail -1 "$T/b.csv" | cut -d, -f2 | sed "s|\$|,$T/csr/b-0003.csr\r|"; } >"$T/bm.csv"
expect_exit 0 iot-provision --home "$H" enroll --batch "$T/bm.csv" --out-dir "$T/bout"
grep -q "^Enrolled 1 of 1 devices" "$T/last.out" || fail "BOM manifest: $(cat "$T/last.out")"
pass "a UTF-8 BOM and CRLF: accepted in a device list, a token file and a manifest"

# 6. A wrong delimiter is named, with the one expected.
make_csrs 2 s "$T/csr"
seq -f 's-%04g' 1 2 >"$T/sids"
iot-provision --home "$H" token --batch "$T/sids" --out "$T/s.csv" >/dev/null 2>&1
tr ',' ';' <"$T/s.csv" >"$T/semi.csv"
expect_exit 65 iot-provision --home "$H" enroll --batch "$T/semi.csv" --csr-dir "$T/csr" --out-dir "$T/sout"
expect_err_contains "$T/semi.csv: line 1: fields separated by ';' (semicolon) where ',' (comma) is expected"
tr ',' '\t' <"$T/s.csv" >"$T/tab.csv"
expect_exit 65 iot-provision --home "$H" enroll --batch "$T/tab.csv" --csr-dir "$T/csr" --out-dir "$T/sout"
expect_err_contains "fields separated by a tab where ',' (comma) is expected"
{ echo "token;csr_path"; tail -n +2 "$T/s.csv" | cut -d, -f2 | sed "s|\$|;$T/csr/s-0001.csr|"; } >"$T/sm.csv"
expect_exit 65 iot-provision --home "$H" enroll --batch "$T/sm.csv" --out-dir "$T/sout"
expect_err_contains "fields separated by ';' (semicolon) where ',' (comma) is expected"
# One such row among good ones is that row's error, not the file's.
{ tail -n +2 "$T/s.csv" | head -1; tail -1 "$T/semi.csv"; } >"$T/mixed.csv"
expect_exit 65 iot-provision --home "$H" enroll --batch "$T/mixed.csv" --csr-dir "$T/csr" --out-dir "$T/mout"
grep -q "^2,,error,,,\"malformed CSV: fields separated by ';' (semicolon) where ',' (comma) is expected\"$" \
  "$T/mout/report.csv" || fail "mixed: $(cat "$T/mout/report.csv")"
printf 's-0001,s-0002\n' >"$T/cids"
expect_exit 65 iot-provision --home "$H" token --batch "$T/cids" --out "$T/c.csv"
expect_err_contains "one id per line and this line holds ',' (comma)"
pass "';' and tab delimiters: the message names the delimiter found and ','; one bad row stays a row error"
finish
