#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signed, pinned trust material (issue 11 item 3, SPEC §10), on a real gateway:
# * another root's complete export (its own valid signature) dropped into trust/ →
#   TRUST_REJECTED, the old devices still served, the other root's devices not; and at
#   a restart the gateway refuses to start, naming trust.pins;
# * manifest.json edited (signature no longer matches), crl.pem replaced by a valid CRL
#   the manifest does not list (wrong hash), a manifest signed by a device, by the
#   issuing CA and by another root's publisher → each TRUST_REJECTED, the last good set
#   stays;
# * an older export put back (lower sequence) and the export of a CA home restored
#   from a backup (higher sequence, lower CRL Number) → refused live and across a
#   restart (the highest values are in state_dir/trust-state.json);
# * `openssl cms -verify` accepts the real manifest.json.p7s; exports in quick
#   succession while the gateway polls are never refused (the set is one unit);
# * no pin: the gateway does not start and names the line to paste.
# Fails before the change: the baseline gateway loads the other root's files
# (CRL_LOADED) and gives its device a token, and iot-ca export writes no signature.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
gw_device dev-1
cp -a "$PKIH" "$T/pki-backup" # the CA home as a backup holds it, before later exports
pki_home "$T/other" iss1
pki_device "$T/other" evil-1 "$DEV"
iot-ca --home "$T/other" export --out "$T/other-trust" >/dev/null
gw_config
gw_start_backend
gw_start
T1=$(token_for dev-1)
expect_audit CRL_LOADED 1
cp -a "$GW/trust" "$T/set1"
export GW_CACERT=$T/set1/ca-bundle.pem # the clients keep trusting our root

# --- the signature, as an independent tool checks it
openssl cms -verify -binary -inform DER -in "$GW/trust/manifest.json.p7s" \
  -content "$GW/trust/manifest.json" -CAfile "$GW/trust/ca-bundle.pem" -purpose any \
  -out /dev/null 2>"$T/cms.err" || fail "openssl cms -verify: $(cat "$T/cms.err")"
grep -q "Verification successful" "$T/cms.err" || fail "openssl cms: $(cat "$T/cms.err")"
openssl x509 -in "$PKIH/publisher/publisher.crt" -noout -ext extendedKeyUsage,basicConstraints \
  >"$T/pub.txt"
grep -q "1.3.6.1.5.5.7.3.36" "$T/pub.txt" && grep -q "CA:FALSE" "$T/pub.txt" ||
  fail "publisher certificate: $(cat "$T/pub.txt")"
pass "openssl cms -verify accepts manifest.json.p7s over manifest.json with ca-bundle.pem; the signer is the root's publisher (CA:FALSE, EKU documentSigning)"

# drop_set DIR: DIR's files into trust/, each replaced atomically, in export order.
drop_set() {
  local f
  for f in ca-bundle.pem crl.pem manifest.json manifest.json.p7s; do
    [ -f "$1/$f" ] || continue
    cp "$1/$f" "$GW/trust/.$f.tmp"
    mv "$GW/trust/.$f.tmp" "$GW/trust/$f"
  done
}
rejected=0
# refused WHY: the next TRUST_REJECTED names WHY; dev-1 is still served with the old set.
refused() {
  rejected=$((rejected + 1))
  wait_crl_event TRUST_REJECTED "$rejected"
  last_audit TRUST_REJECTED | grep -q "$1" || fail "want '$1': $(last_audit TRUST_REJECTED)"
  expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $T1" "$(URL /api/x)"
  token_for dev-1 >/dev/null
}
# restore_set1: the set in use goes back into trust/; the same bytes load nothing (no
# CRL_LOADED), so this waits two polls.
restore_set1() {
  drop_set "$T/set1"
  sleep 2
  expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $T1" "$(URL /api/x)"
}
loads=1
# accepted: the next CRL_LOADED arrives.
accepted() {
  loads=$((loads + 1))
  wait_crl_event CRL_LOADED "$loads"
}

# --- another root's complete, validly signed export
drop_set "$T/other-trust"
refused "trust.pins: no root of the bundle is pinned"
[ "$(http_status dev_curl evil-1 -X POST "$(URL /auth/token)")" != 200 ] ||
  fail "the other root's device got a token"
pass "another root's export (signed by its own publisher) -> TRUST_REJECTED naming trust.pins; dev-1 still served, the other root's device refused"
restore_set1

# --- manifest edited after signing: the signature no longer verifies
"$PY" - "$T/set1/manifest.json" "$T/edited.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["next_update"] = "2099-01-01T00:00:00Z"
open(sys.argv[2], "w").write(json.dumps(m, indent=2) + "\n")
PY
mkdir -p "$T/edited"
cp "$T/edited.json" "$T/edited/manifest.json"
drop_set "$T/edited"
refused "does not verify over manifest.json"
pass "manifest.json edited after signing -> TRUST_REJECTED (signature)"
restore_set1

# --- crl.pem replaced by a valid CRL of our CA that the manifest does not list
revoke crl --ca iss1 --out "$T/fresh-crl.pem" >/dev/null
mkdir -p "$T/wronghash" && cp "$T/fresh-crl.pem" "$T/wronghash/crl.pem"
drop_set "$T/wronghash"
refused "crl.pem does not match the manifest"
pass "a validly signed CRL not in the manifest -> TRUST_REJECTED (file hash)"
restore_set1

# --- signed by certificates that are not the publisher
sign_with() { # CERT KEY [CHAIN]: manifest.json of set1 signed by CERT into $T/forged/
  mkdir -p "$T/forged"
  openssl cms -sign -binary -outform DER -in "$T/set1/manifest.json" -signer "$1" -inkey "$2" \
    ${3:+-certfile "$3"} -out "$T/forged/manifest.json.p7s" 2>"$T/sign.err" ||
    fail "openssl cms -sign: $(cat "$T/sign.err")"
}
sign_with "$DEV/dev-1.crt" "$DEV/dev-1.key" "$PKIH/issuing/iss1/ca.crt"
drop_set "$T/forged"
refused "not a publisher certificate"
sign_with "$PKIH/issuing/iss1/ca.crt" "$PKIH/issuing/iss1/ca.key"
drop_set "$T/forged"
refused "not an end-entity certificate"
sign_with "$T/other/publisher/publisher.crt" "$T/other/publisher/publisher.key"
drop_set "$T/forged"
refused "not issued by a pinned root"
pass "manifest signed by a device, by the issuing CA, by another root's publisher -> TRUST_REJECTED each"
restore_set1

# --- exports in quick succession: never a mixed set refused
for _ in 1 2 3 4 5; do
  gw_export
  sleep 0.3
done
accepted
sleep 2
[ "$(audit_count TRUST_REJECTED)" -eq "$rejected" ] ||
  fail "an export in progress was refused: $(last_audit TRUST_REJECTED)"
[ -s "$GW/state/trust-state.json" ] || fail "no state_dir/trust-state.json"
pass "five exports while the gateway polls: each set taken whole, none refused; state_dir/trust-state.json written"

# --- rollback: an older export, and the export of a restored backup
drop_set "$T/set1"
refused "sequence went back"
last_seq() { iot-ca --home "$1" journal show | tail -1 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["seq"])'; }
# The restored home keeps working: its journal grows past ours (bounded).
for _ in $(seq 1 100); do
  [ "$(last_seq "$T/pki-backup")" -gt "$(last_seq "$PKIH")" ] && break
  iot-ca --home "$T/pki-backup" sign --csr "$GW/server.csr" --profile server \
    --san DNS:localhost --out - >/dev/null 2>&1
done
iot-ca --home "$T/pki-backup" export --out "$T/restored" >/dev/null
drop_set "$T/restored"
refused "CRL Number of .* went back"
pass "an older export (lower sequence) and a restored backup's export (higher sequence, lower CRL Number) -> TRUST_REJECTED"

# --- across a restart: the highest values are persisted
gw_stop
gw_restart_refused() { # WHY: the gateway does not start, naming WHY, and audits it
  local before
  before=$(audit_count TRUST_REJECTED)
  expect_exit 78 iot-gateway --config "$GW/gateway.toml"
  expect_err_contains "$1"
  [ "$(audit_count TRUST_REJECTED)" -gt "$before" ] || fail "no TRUST_REJECTED at start"
}
drop_set "$T/set1"
gw_restart_refused "sequence went back"
drop_set "$T/restored"
gw_restart_refused "went back"
drop_set "$T/other-trust"
gw_restart_refused "trust.pins"
pass "after a restart: the older export, the restored backup's export and another root's export each stop the start-up (exit 78) naming why"

sed 's/^pins = .*/pins = []/' "$GW/gateway.toml" >"$GW/nopin.toml"
gw_export
expect_exit 78 iot-gateway --config "$GW/nopin.toml"
expect_err_contains "no root is pinned"
expect_err_contains "pins = ["
pass "no pin: the gateway does not start and names the line iot-ca export prints"

gw_start
token_for dev-1 >/dev/null
pass "the current export starts the gateway again"
finish
