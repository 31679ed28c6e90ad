#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One manual page per binary, and the generated configuration references gateway.toml(5)
# and iot-pki.toml(5), lint-clean at warning level (mandoc -T lint).
. "$(dirname "$0")/../lib/common.sh"
MAN=$(cd "$(dirname "$0")/../../man" && pwd)
for page in iot-ca.1 iot-provision.1 iot-revoke.1 iot-gateway.8 gateway.toml.5 iot-pki.toml.5; do
  [ -f "$MAN/$page" ] || fail "missing man/$page"
  mandoc -T lint -W warning "$MAN/$page" || fail "mandoc lint: $page"
  pass "man/$page is lint-clean"
done
for bin in iot-ca iot-provision iot-revoke iot-gateway; do
  "$bin" --help >/dev/null || fail "$bin --help"
  "$bin" --version | grep -q "^$bin " || fail "$bin --version"
done
pass "every binary answers --help and --version"
finish
