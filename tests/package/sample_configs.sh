#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shipped sample configurations load: examples/gateway.toml passes
# `iot-gateway check-config` next to freshly made trust files, and examples/iot-pki.toml
# is read by the settings loader of a real PKI home; both hold the same keys as what
# the tools themselves write or accept, so the samples cannot fall behind the loaders.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../gateway/lib.sh"
EX=$(cd "$(dirname "$0")/../../examples" && pwd)

# keys FILE: "section.key" for every assignment in a TOML file of flat tables.
keys() {
  awk '/^\[/ {sub(/#.*/, ""); gsub(/[][ ]/, ""); s = $0; next}
       /^[A-Za-z_]+[[:space:]]*=/ {k = $1; sub(/=.*/, "", k); print s "." k}' "$1" | sort
}

gw_pki
# The sample pins nothing (the operator pastes the line iot-ca export prints): as
# shipped it is refused by name, with this home's pin it passes.
cp "$EX/gateway.toml" "$GW/gateway.toml"
expect_exit 78 iot-gateway check-config --config "$GW/gateway.toml"
grep -q 'trust.pins' "$T/last.out" "$T/last.err" || fail "no pin not named: $(cat "$T/last.out" "$T/last.err")"
sed "s/^pins = \[\]$/pins = [\"$(pki_pin "$PKIH")\"]/" "$EX/gateway.toml" >"$GW/gateway.toml"
expect_exit 0 iot-gateway check-config --config "$GW/gateway.toml"
pass "examples/gateway.toml passes check-config with generated trust files beside it and the pin pasted (refused, naming trust.pins, without)"
# It was really parsed: the same file with one key misspelt is refused by name.
sed 's/^max_connections_per_ip =/max_connection_per_ip =/' "$EX/gateway.toml" >"$GW/typo.toml"
expect_exit 78 iot-gateway check-config --config "$GW/typo.toml"
grep -q 'server.max_connection_per_ip: unknown key' "$T/last.out" "$T/last.err" ||
  fail "check-config did not name the misspelt key: $(cat "$T/last.out" "$T/last.err")"
pass "a misspelt key in the sample is named and refused (78)"
# Every table and key of SPEC §5's contract is in the sample (the test's own gw_config
# uses a subset, so the sample is the complete list).
[ "$(keys "$EX/gateway.toml" | wc -l)" -ge 39 ] || fail "examples/gateway.toml lacks keys"
for k in server.listen server.metrics_listen trust.state_dir jwt.bind_to_cert \
  backend.pool_size rate_limit.table_size audit.queue_size; do
  keys "$EX/gateway.toml" | grep -qx "$k" || fail "examples/gateway.toml lacks $k"
done
pass "examples/gateway.toml holds every key of the gateway's contract"
# man_keys PAGE: "table.key" for every key a generated reference page documents.
man_keys() {
  awk '/^\.Ss \[/ {t = $2; gsub(/[][]/, "", t)} /^\.It Cm / {print t "." $3}' "$1" | sort
}
MAN=$(cd "$(dirname "$0")/../../man" && pwd)
diff <(keys "$EX/gateway.toml") <(man_keys "$MAN/gateway.toml.5") >"$T/man.diff" ||
  fail "examples/gateway.toml and gateway.toml(5) differ in keys: $(cat "$T/man.diff")"
# Not in the sample: the deprecated [crl] days and the [crl.<name>] pattern (a table per
# issuing CA name, which no sample can spell).
diff <(keys "$EX/iot-pki.toml") <(man_keys "$MAN/iot-pki.toml.5" | grep -vx 'crl\.days\|crl\.<name>\.days') \
  >"$T/man.diff" ||
  fail "examples/iot-pki.toml and iot-pki.toml(5) differ in keys: $(cat "$T/man.diff")"
pass "the samples hold exactly the keys of the generated references gateway.toml(5) and iot-pki.toml(5)"

H=$T/home
iot-ca --home "$H" init --cn "Sample Root" --key ec-p256 --no-passphrase >/dev/null 2>&1
keys "$H/iot-pki.toml" >"$T/written.keys"
keys "$EX/iot-pki.toml" >"$T/sample.keys"
diff "$T/written.keys" "$T/sample.keys" >"$T/keys.diff" ||
  fail "examples/iot-pki.toml and the file iot-ca init writes differ in keys: $(cat "$T/keys.diff")"
pass "examples/iot-pki.toml has exactly the keys iot-ca init writes"
cp "$EX/iot-pki.toml" "$H/iot-pki.toml"
make_device_csr sensor-1 "$T/dev1"
expect_exit 0 iot-ca --home "$H" sign --csr "$T/dev1/sensor-1.csr" --profile device --out "$T/dev1/sensor-1.crt"
days=$($PY - "$T/dev1/sensor-1.crt" <<'PY'
import sys
from cryptography import x509
c = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
print(round((c.not_valid_after - c.not_valid_before).total_seconds() / 86400))
PY
)
[ "$days" = 365 ] || fail "a device certificate signed under the sample lasts $days days, not 365"
openssl x509 -in "$T/dev1/sensor-1.crt" -noout -subject | grep -q 'OU *= *IoT Devices' ||
  fail "the sample's device_ou is not in the certificate"
pass "the settings loader reads examples/iot-pki.toml (iot-ca sign: 365 days, OU IoT Devices)"
sed 's/^device_days =/devices_days =/' "$EX/iot-pki.toml" >"$H/iot-pki.toml"
expect_exit 78 iot-ca --home "$H" sign --csr "$T/dev1/sensor-1.csr" --profile device --out "$T/dev1/again.crt"
expect_err_contains "devices_days"
pass "a misspelt key in the sample is named and refused (78)"
finish
