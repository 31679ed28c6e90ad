#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Batch progress goes to stderr only: a redrawn bar with rate and ETA when stderr is a
# terminal (script(1) provides one), plain lines otherwise; stdout stays parseable.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
H=$T/pki
new_home "$H"
umask 077
make_csrs 12 p "$T/csr"
seq -f 'p-%04g' 1 12 >"$T/ids"
iot-provision --home "$H" token --batch "$T/ids" --out "$T/tokens.csv" >/dev/null
{ echo "token,csr_path"; tail -n +2 "$T/tokens.csv" | awk -F, '{print $2 ",csr/" $1 ".csr"}'; } \
  >"$T/m.csv"
cut -d, -f1-2 "$T/m.csv" | head -7 >"$T/m1.csv"
{ head -1 "$T/m.csv"; tail -n +8 "$T/m.csv"; } >"$T/m2.csv"

# Not a terminal: --json on stdout is one clean document; progress is a plain line.
iot-provision --home "$H" --json enroll --batch "$T/m1.csv" --out-dir "$T/out" \
  >"$T/out.json" 2>"$T/err.txt" || fail "batch: $(cat "$T/err.txt")"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"]==6 and d["errors"]==0, d' \
  "$T/out.json" || fail "stdout is not the JSON summary"
grep -q $'\r' "$T/err.txt" && fail "carriage returns on a non-terminal"
grep -Eq '^enroll: 6/6 rows \([0-9.]+/s, ETA [0-9]+s\)$' "$T/err.txt" || fail "plain line: $(cat "$T/err.txt")"
pass "non-terminal: plain progress lines on stderr, clean --json on stdout"

# A terminal: a redrawn bar with rate and ETA.
script -qec "iot-provision --home '$H' enroll --batch '$T/m2.csv' --out-dir '$T/out' 2>&1 >/dev/null" \
  /dev/null >"$T/tty.txt" || fail "batch on a tty: $(cat "$T/tty.txt")"
grep -q $'\r\033\[K' "$T/tty.txt" || fail "no redrawn line on a terminal"
grep -Eq 'enroll \[#+\] 6/6 +[0-9.]+/s +ETA [0-9]+s' "$T/tty.txt" || fail "bar: $(cat -v "$T/tty.txt")"
pass "terminal: a redrawn progress bar with rate and ETA on stderr"
finish
