#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# gateway.toml handling: check-config lists every problem (exit 78) and names keys;
# start-up stops on a bad value or unknown key; relative paths follow the config file.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
gw_config

expect_exit 0 iot-gateway check-config --config "$GW/gateway.toml"
grep -q "OK" "$T/last.out" || fail "check-config output: $(cat "$T/last.out")"
# Relative paths are relative to the config file, not the working directory.
(cd / && iot-gateway check-config --config "$GW/gateway.toml" >/dev/null) || fail "paths resolved against the cwd"
pass "a good config passes check-config from any working directory"

cp "$GW/gateway.toml" "$GW/bad.toml"
sed -i 's/^threads = 2/threads = "two"/; s/^failure_window = .*/failure_window = "sixty"/' "$GW/bad.toml"
sed -i 's/^\(token_burst = .*\)/\1\ntokn_burst = 10/' "$GW/bad.toml"
expect_exit 78 iot-gateway check-config --config "$GW/bad.toml"
for key in rate_limit.tokn_burst rate_limit.failure_window server.threads; do
  grep -q "$key" "$T/last.out" || fail "check-config does not name $key: $(cat "$T/last.out")"
done
[ "$(grep -c . "$T/last.out")" -eq 3 ] || fail "expected 3 problems: $(cat "$T/last.out")"
pass "check-config lists every problem, each naming its key, exit 78"

expect_exit 78 iot-gateway --config "$GW/bad.toml"
expect_err_contains "rate_limit.tokn_burst: unknown key"
pass "start-up with an unknown key or a bad value stops with exit 78 naming the key"

# Files: missing bundle, server key readable by others, no JWT keys.
cp "$GW/gateway.toml" "$GW/files.toml"
sed -i 's|^bundle = .*|bundle = "trust/missing.pem"|; s|^keys_dir = .*|keys_dir = "nokeys"|' "$GW/files.toml"
chmod 644 "$GW/server.key"
expect_exit 78 iot-gateway --json check-config --config "$GW/files.toml"
"$PY" - "$T/last.out" <<'PY' || fail "check-config --json: $(cat "$T/last.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False
text = "\n".join(p["key"] + ": " + p["message"] for p in d["problems"])
for want in ("trust.bundle", "missing.pem", "server.key", "chmod 600", "jwt.keys_dir", "jwt-key new"):
    assert want in text, want
PY
chmod 600 "$GW/server.key"
pass "check-config names a missing bundle, a group/world-readable server key and an empty keys dir"

# A CRL that is not signed by the bundle stops start-up (fail closed, exit 78).
iot-ca --home "$T/evil" init --cn "Evil Root" --key ec-p256 --no-passphrase >/dev/null
"$PY" "$GWT_SRC/crl_tool.py" --ca-cert "$T/evil/root/ca.crt" --ca-key "$T/evil/root/ca.key" --out "$GW/trust/crl.pem"
expect_exit 78 iot-gateway check-config --config "$GW/gateway.toml"
grep -q "trust.crl" "$T/last.out" || fail "check-config: $(cat "$T/last.out")"
expect_exit 78 iot-gateway --config "$GW/gateway.toml"
expect_err_contains "not in the bundle"
pass "a foreign-signed CRL fails check-config and start-up (exit 78)"

expect_exit 2 iot-gateway --bogus
expect_exit 0 iot-gateway --version
pass "usage errors exit 2; --version works"
finish
