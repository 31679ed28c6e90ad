#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Progress in a real terminal (script(1) makes a pseudo-terminal; `stty cols` sizes it):
# in 40 columns no line of `enroll --batch` or `token --batch` reaches past column 40;
# a terminal narrowed mid-run (SIGWINCH) gets lines of its new width at once; TERM=dumb
# gets plain lines without \r redraws or escape sequences.
# Fails before the fix: the bar was 30 columns wide whatever the terminal (a 55-column
# line in 40 columns), token --batch drew nothing, TERM=dumb still got redraws.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
H=$T/pki
new_home "$H"
umask 077
make_csrs 12 p "$T/csr"
seq -f 'p-%04g' 1 12 >"$T/ids"

# 1. 40 columns: token --batch and enroll --batch draw a bar, every line fits.
on_tty 40 "$T/tok.ts" "iot-provision --home '$H' token --batch '$T/ids' --out '$T/tokens.csv' --jobs 1 >/dev/null"
grep -q $'\r\033\[Ktoken \[#*\.*\] *[0-9]*/12 ' "$T/tok.ts" || fail "token --batch: no bar: $(cat -v "$T/tok.ts")"
[ "$(widest "$T/tok.ts")" -le 40 ] || fail "token --batch: a line of $(widest "$T/tok.ts") columns in 40: $(cat -v "$T/tok.ts")"
on_tty 40 "$T/enr.ts" "iot-provision --home '$H' enroll --batch '$T/tokens.csv' --csr-dir '$T/csr' --out-dir '$T/out' >/dev/null"
grep -q $'\r\033\[Kenroll \[#*\] 12/12 ' "$T/enr.ts" || fail "enroll --batch: no bar: $(cat -v "$T/enr.ts")"
[ "$(widest "$T/enr.ts")" -le 40 ] || fail "enroll --batch: a line of $(widest "$T/enr.ts") columns in 40: $(cat -v "$T/enr.ts")"
[ "$(ls "$T/out"/*.crt | wc -l)" -eq 12 ] || fail "certificates"
pass "40 columns: token --batch and enroll --batch redraw a bar and no line passes column 40"

# 2. TERM=dumb: plain lines, fitted too.
on_tty 40 "$T/dumb.ts" "TERM=dumb iot-provision --home '$H' enroll --batch '$T/tokens.csv' --csr-dir '$T/csr' --out-dir '$T/out' >/dev/null"
grep -q '^enroll: 12/12 rows' "$T/dumb.ts" || fail "TERM=dumb: no plain line: $(cat -v "$T/dumb.ts")"
! grep -q $'\033' "$T/dumb.ts" || fail "TERM=dumb: escape sequences: $(cat -v "$T/dumb.ts")"
! grep -qP '\r.' "$T/dumb.ts" || fail "TERM=dumb: a \\r redraw: $(cat -v "$T/dumb.ts")"
[ "$(widest "$T/dumb.ts")" -le 40 ] || fail "TERM=dumb: a line of $(widest "$T/dumb.ts") columns"
pass "TERM=dumb on a terminal: plain lines, no \\r redraws or escape sequences, within 40 columns"

# 3. Narrowed mid-run: 100 columns, then `stty cols 40` while token --batch is drawing
# (the kernel sends SIGWINCH to the terminal's foreground process group). The marker
# line is written once the signal has had time to arrive; every line after it fits.
seq -f 'w-%04g' 1 200 >"$T/wids"
cat >"$T/resize.sh" <<EOS
iot-provision --home '$H' token --batch '$T/wids' --out '$T/w.csv' --jobs 1 >/dev/null &
pid=\$!
for _ in \$(seq 1 200); do grep -q 'token \[' '$T/resize.ts' 2>/dev/null && break; sleep 0.05; done
sleep 0.3
stty cols 40
sleep 0.5
if kill -0 \$pid 2>/dev/null; then echo '@@RESIZED@@'; else echo '@@TOO-LATE@@'; fi
wait \$pid
EOS
on_tty 100 "$T/resize.ts" "bash '$T/resize.sh'"
grep -q '@@RESIZED@@' "$T/resize.ts" || fail "token --batch ended before the resize: $(cat -v "$T/resize.ts")"
ts=$(cat "$T/resize.ts")
printf '%s' "${ts%%@@RESIZED@@*}" >"$T/before.ts"
printf '%s' "${ts#*@@RESIZED@@}" >"$T/after.ts"
[ "$(widest "$T/before.ts")" -gt 40 ] || fail "100 columns were not used: $(cat -v "$T/resize.ts")"
grep -q 'token \[#*\.*\] 200/200' "$T/after.ts" || fail "no final bar after the resize: $(cat -v "$T/after.ts")"
[ "$(widest "$T/after.ts")" -le 40 ] ||
  fail "after narrowing to 40: a line of $(widest "$T/after.ts") columns: $(cat -v "$T/after.ts")"
pass "narrowed from 100 to 40 columns mid-run: lines were $(widest "$T/before.ts") wide, then at most $(widest "$T/after.ts")"
finish
