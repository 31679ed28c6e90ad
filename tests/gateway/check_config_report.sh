#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `iot-gateway check-config` reports like a compiler (issue 15, Configuration): every
# problem as FILE:LINE: KEY: MESSAGE in line order, a "did you mean" for unknown keys,
# files the config names checked in the same pass as the schema, `--json` problems as
# {key, line, message} objects; durations take ms and compound forms within per-key
# bounds.
# Fails before the fix: the baseline stops at schema problems (no file checks), sorts
# problems by table name, has no suggestion, prints JSON strings, refuses "500ms" and
# accepts ttl = "999999999d".
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
gw_config

# Problems on lines 3, 9 and 17 of different tables, and a missing bundle (line 14):
# reported together, in line order.
cp "$GW/gateway.toml" "$GW/bad.toml"
sed -i 's/^threads = 2/threds = 2/' "$GW/bad.toml"                                  # server
sed -i 's|^bundle = .*|bundle = "trust/missing.pem"|' "$GW/bad.toml"                 # trust
sed -i 's/^ttl = .*/ttl = "999999999d"/' "$GW/bad.toml"                              # jwt
sed -i 's/^\(token_burst = .*\)/\1\ntokn_burst = 10/' "$GW/bad.toml"                 # rate_limit
expect_exit 78 iot-gateway check-config --config "$GW/bad.toml"
line_of() { grep -n "$1" "$GW/bad.toml" | head -1 | cut -d: -f1; }
l_threds=$(line_of '^threds')
l_bundle=$(line_of '^bundle')
l_ttl=$(line_of '^ttl')
l_tokn=$(line_of '^tokn_burst')
cat >"$T/want" <<EOF2
$GW/bad.toml:$l_threds: server.threds: unknown key (did you mean 'threads'?)
$GW/bad.toml:$l_bundle: trust.bundle:
$GW/bad.toml:$l_ttl: jwt.ttl: must be at most 1d (got "999999999d")
$GW/bad.toml:$l_tokn: rate_limit.tokn_burst: unknown key (did you mean 'token_burst'?)
EOF2
[ "$(wc -l <"$T/last.out")" -eq 4 ] || fail "expected 4 problems: $(cat "$T/last.out")"
i=0
while IFS= read -r want; do
  i=$((i + 1))
  got=$(sed -n "${i}p" "$T/last.out")
  [[ $got == "$want"* ]] || fail "problem $i: want '$want…', got '$got' in: $(cat "$T/last.out")"
done <"$T/want"
grep -q "missing.pem" "$T/last.out" || fail "the missing bundle is not named: $(cat "$T/last.out")"
pass "schema and file problems in one pass, in line order, FILE:LINE: KEY: MESSAGE, with a did-you-mean"

expect_exit 78 iot-gateway --json check-config --config "$GW/bad.toml"
"$PY" - "$T/last.out" "$l_threds" "$l_ttl" <<'PY' || fail "check-config --json: $(cat "$T/last.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False
ps = d["problems"]
assert all(set(p) == {"key", "line", "message"} for p in ps), ps
assert [p["line"] for p in ps] == sorted(p["line"] for p in ps), ps
assert {"key": "server.threds", "line": int(sys.argv[2]),
        "message": "unknown key (did you mean 'threads'?)"} in ps, ps
assert any(p["key"] == "jwt.ttl" and p["line"] == int(sys.argv[3]) and "1d" in p["message"] for p in ps), ps
PY
pass "check-config --json lists problems as {key, line, message} objects"

# Start-up refuses the same file with the same lines.
expect_exit 78 iot-gateway --config "$GW/bad.toml"
expect_err_contains "bad.toml:$l_ttl: jwt.ttl: must be at most 1d"
pass "start-up refuses an out-of-bounds duration naming the key, the bound and the line"

# A TOML syntax error is named by line and column (as toml++ reports it), in both forms.
printf '[server]\nthreads = 2 x\n' >"$GW/syntax.toml"
expect_exit 78 iot-gateway check-config --config "$GW/syntax.toml"
grep -q "^$GW/syntax.toml:2:13: " "$T/last.out" || fail "syntax error position: $(cat "$T/last.out")"
expect_exit 78 iot-gateway --json check-config --config "$GW/syntax.toml"
"$PY" - "$T/last.out" <<'PY' || fail "check-config --json syntax error: $(cat "$T/last.out")"
import json, sys
p = json.load(open(sys.argv[1]))["problems"]
assert len(p) == 1 and p[0]["line"] == 2 and p[0]["column"] == 13, p
PY
pass "a TOML syntax error names its line and column (human and --json)"

# ms and compound durations are accepted where the key allows them.
cp "$GW/gateway.toml" "$GW/ms.toml"
sed -i 's/^drain_timeout = .*/drain_timeout = "1m30s"\nheader_timeout = "500ms"/; s/^ttl = .*/ttl = "1h30m"/' "$GW/ms.toml"
expect_exit 0 iot-gateway check-config --config "$GW/ms.toml"
sed -i 's/^header_timeout = .*/header_timeout = "50ms"/' "$GW/ms.toml"
expect_exit 78 iot-gateway check-config --config "$GW/ms.toml"
grep -q 'server.header_timeout: must be at least 100ms (got "50ms")' "$T/last.out" ||
  fail "below the minimum: $(cat "$T/last.out")"
pass "\"500ms\" and \"1h30m\" are accepted; a duration below its key's minimum is refused"
finish
