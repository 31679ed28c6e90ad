#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# README "Using it" works when pasted: the block is taken from README.md itself (the
# first ```sh fence after the heading) and run as one bash script, so it cannot drift.
# Only its three absolute places are moved into the test's directory (/srv/pki,
# /root/ca.pass, /etc/iot-gateway); no other absolute path may appear in it. It runs
# without a terminal (setsid, stdin /dev/null) and with umask 022, so a command that
# would prompt for a passphrase, or a secret written through a shell redirect, fails.
# Fails before the fix: the old block redirected the token (`> token.txt`, mode 0644)
# and left --passphrase-file off `enroll` and `export` (exit 77, "no terminal").
. "$(dirname "$0")/../lib/common.sh"
README=$(cd "$(dirname "$0")/../.." && pwd)/README.md

awk '/^## Using it/ {h = 1; next} h && /^```sh$/ {f = 1; next} f && /^```$/ {exit} f' "$README" \
  >"$T/block.sh"
[ -s "$T/block.sh" ] || fail "README.md has no \`\`\`sh block under '## Using it'"
pass "extracted $(wc -l <"$T/block.sh") lines from README.md 'Using it'"

# Every absolute path the block names must be one of the three we relocate.
others=$(grep -o '\(^\|[[:space:]=]\)/[A-Za-z][^[:space:]]*' "$T/block.sh" | sed 's/^[[:space:]=]//' |
  grep -v -e '^/CN=' -e '^/srv/pki' -e '^/root/ca.pass' -e '^/etc/iot-gateway/' || true)
[ -z "$others" ] || fail "the block names absolute paths the test does not relocate: $others"
mkdir -p "$T/srv" "$T/root" "$T/etc" "$T/work"
sed -e "s#/srv/pki#$T/srv/pki#g" -e "s#/root/ca.pass#$T/root/ca.pass#g" \
  -e "s#/etc/iot-gateway/#$T/etc/iot-gateway/#g" "$T/block.sh" >"$T/run.sh"

(cd "$T/work" && umask 022 && setsid -w bash -euo pipefail -x "$T/run.sh" </dev/null) \
  >"$T/run.out" 2>&1 || {
  cat "$T/run.out"
  fail "the README's 'Using it' block fails when run as written"
}
pass "the README's 'Using it' block runs as written, without a terminal"

# What it promises: secrets 0600, a certificate from the chain, then revoked.
[ "$(stat -c %a "$T/work/token.txt")" = 600 ] || fail "token.txt is not 0600"
[ "$(stat -c %a "$T/root/ca.pass")" = 600 ] || fail "ca.pass is not 0600"
pass "the files holding secrets are 0600 under umask 022"
trust=$T/etc/iot-gateway/trust
openssl verify -CAfile "$trust/ca-bundle.pem" "$T/work/sensor-0042.crt" >/dev/null ||
  fail "sensor-0042.crt does not verify against the exported bundle"
if openssl verify -crl_check_all -CAfile "$trust/ca-bundle.pem" -CRLfile "$trust/crl.pem" \
  "$T/work/sensor-0042.crt" >"$T/verify.out" 2>&1; then
  fail "the exported CRL does not revoke sensor-0042"
fi
grep -q 'certificate revoked' "$T/verify.out" || fail "unexpected verify result: $(cat "$T/verify.out")"
pass "the device certificate chains to the export and its CRL revokes it (openssl verify)"
finish
