#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The gateway enforces the issuance transparency log (issue 12, SPEC §10:
# [trust] require_logged, CERT_NOT_LOGGED, LOG_INCONSISTENT), on a real gateway:
# * a logged device gets a token and calls /api; a certificate signed with the issuing
#   CA's key outside iot-ca (`openssl x509 -req -CA -CAkey`) passes `openssl verify
#   -CAfile ca-bundle.pem` but gets 401 CERT_NOT_LOGGED, audited with its serial,
#   subject and issuer;
# * a tampered leaf, a truncated log, a set without a log, and a validly signed log
#   whose history was rewritten (the minted certificate slipped in) are each refused
#   (TRUST_REJECTED "log: …" or LOG_INCONSISTENT naming both heads), the last good set
#   kept: the logged device still served, the minted one still refused; a grown log
#   (a new device) is accepted;
# * the last accepted head survives a restart (trust-state.json "log"): the rewritten
#   history does not start the gateway; check-config reports the log's size;
# * require_logged without require_manifest is a configuration error.
# The log files: the export's own once iot-ca writes them (h-tlog), else this test's
# writer (log_tool.py, hashlib only) adds them to the export and re-signs the manifest
# with the publisher key.
# Fails before the change: the baseline gateway refuses the unknown key
# trust.require_logged (and would serve the minted certificate).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

LOGT=$(dirname "$0")/log_tool.py
ISS=$PKIH/issuing/iss1

gw_pki
gw_device dev-1

# stage DIR CERT...: a fresh export into DIR; without the export's own log, the log of
# CERT... written by log_tool.py and the manifest re-signed by the publisher.
stage() {
  local dir=$1
  shift
  rm -rf "$dir"
  ca export --out "$dir" >/dev/null
  if [ ! -f "$dir/log-head.json" ] || [ "${FORCE_LOG:-}" = 1 ]; then
    "$PY" "$LOGT" write "$dir" "$@"
    openssl cms -sign -binary -outform DER -md sha256 -in "$dir/manifest.json" \
      -signer "$PKIH/publisher/publisher.crt" -inkey "$PKIH/publisher/publisher.key" \
      -nosmimecap -out "$dir/manifest.json.p7s" 2>"$T/sign.err" ||
      fail "openssl cms -sign: $(cat "$T/sign.err")"
  fi
}
# drop_set DIR: DIR's files into trust/, each replaced atomically, leaves before head
# before manifest (the export's order).
drop_set() {
  local f
  for f in log-leaves.bin log-head.json ca-bundle.pem crl.pem manifest.json manifest.json.p7s; do
    [ -f "$1/$f" ] || continue
    cp "$1/$f" "$GW/trust/.$f.tmp"
    mv "$GW/trust/.$f.tmp" "$GW/trust/$f"
  done
}
# resign DIR: the manifest in DIR re-signed after an edit of the log files.
resign() {
  "$PY" - "$1" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
for f in m["files"]:
    data = open(os.path.join(d, f["name"]), "rb").read()
    f["size"], f["sha256"] = len(data), hashlib.sha256(data).hexdigest()
open(os.path.join(d, "manifest.json"), "w").write(json.dumps(m, indent=2) + "\n")
PY
  openssl cms -sign -binary -outform DER -md sha256 -in "$1/manifest.json" \
    -signer "$PKIH/publisher/publisher.crt" -inkey "$PKIH/publisher/publisher.key" \
    -nosmimecap -out "$1/manifest.json.p7s" 2>"$T/sign.err" || fail "cms -sign: $(cat "$T/sign.err")"
}

# The export makes the publisher certificate: stage once to have it.
ca export --out "$T/first" >/dev/null
LOGGED=("$PKIH/root/ca.crt" "$ISS/ca.crt" "$PKIH/publisher/publisher.crt" "$GW/server.crt"
  "$DEV/dev-1.crt")
stage "$T/set1" "${LOGGED[@]}"
drop_set "$T/set1"

# --- a device certificate minted with the CA key outside iot-ca
make_device_csr minted-1 "$DEV"
openssl req -new -key "$DEV/minted-1.key" -subj "/O=Test/OU=IoT Devices/CN=minted-1" \
  -out "$DEV/minted-1.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' \
  >"$T/minted.ext"
openssl x509 -req -in "$DEV/minted-1.csr" -CA "$ISS/ca.crt" -CAkey "$ISS/ca.key" \
  -CAcreateserial -CAserial "$T/minted.srl" -days 30 -sha256 -extfile "$T/minted.ext" \
  -out "$DEV/minted-1.crt" 2>"$T/x509.err" || fail "openssl x509 -req: $(cat "$T/x509.err")"
openssl verify -CAfile "$GW/trust/ca-bundle.pem" "$DEV/minted-1.crt" >"$T/verify.out" 2>&1 ||
  fail "openssl verify: $(cat "$T/verify.out")"
pass "a certificate signed with the issuing key outside iot-ca passes openssl verify -CAfile ca-bundle.pem"

# --- require_logged needs require_manifest
GW_TRUST_EXTRA=$'require_logged = true\nrequire_manifest = false' gw_config
expect_exit 78 iot-gateway check-config --config "$GW/gateway.toml"
cat "$T/last.out" "$T/last.err" | grep -q "trust.require_logged: needs trust.require_manifest" ||
  fail "require_logged without require_manifest not named: $(cat "$T/last.out" "$T/last.err")"
pass "require_logged = true with require_manifest = false is a configuration error"

GW_TRUST_EXTRA="require_logged = true" gw_config
out=$(iot-gateway check-config --config "$GW/gateway.toml") || fail "check-config: $out"
grep -q "transparency log: 5 certificate(s)" <<<"$out" || fail "check-config: $out"
pass "check-config reports the log: $(tail -1 <<<"$out" | cut -c1-60)…"

gw_start_backend
gw_start
T1=$(token_for dev-1)
expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $T1" "$(URL /api/x)"
expect_refused 401 CERT_NOT_LOGGED dev_curl minted-1 -X POST "$(URL /auth/token)"
expect_audit CERT_NOT_LOGGED 1
rec=$(last_audit CERT_NOT_LOGGED)
minted_serial=$(serial_of "$DEV/minted-1.crt")
grep -q "\"serial\":\"$minted_serial\"" <<<"$rec" || fail "no serial in: $rec"
grep -q "minted-1" <<<"$rec" && grep -q "Issuing iss1" <<<"$rec" || fail "no subject/issuer in: $rec"
pass "logged dev-1 gets a token and /api 200; minted-1 -> 401 CERT_NOT_LOGGED, audited with serial, subject and issuer"

# refused EVENT WHY: an EVENT record naming WHY arrives (bounded; a set dropped while
# the reloader reads may be refused more than once); dev-1 still served, minted-1 not.
refused() {
  local i
  for i in $(seq 1 150); do
    grep "\"event\":\"$1\"" "$GW/audit.log" | grep -qF "$2" && break
    sleep 0.1
  done
  [ "$i" -lt 150 ] || fail "no $1 naming '$2' within 15 s: $(last_audit "$1")"
  token_for dev-1 >/dev/null
  expect_refused 401 CERT_NOT_LOGGED dev_curl minted-1 -X POST "$(URL /auth/token)"
}
restore() {
  drop_set "$T/set1"
  sleep 2
}

# --- a tampered leaf (head and manifest untouched)
cp -a "$T/set1" "$T/tampered"
printf '\xff' | dd of="$T/tampered/log-leaves.bin" bs=1 seek=40 conv=notrunc 2>/dev/null
drop_set "$T/tampered"
refused TRUST_REJECTED "log: log-leaves.bin has SHA-256"
pass "a tampered leaf -> TRUST_REJECTED (log: …); the last good set kept"
restore

# --- a truncated log, even with the manifest re-signed over it
cp -a "$T/set1" "$T/truncated"
truncate -s -32 "$T/truncated/log-leaves.bin"
resign "$T/truncated"
drop_set "$T/truncated"
refused TRUST_REJECTED "log: log-leaves.bin is 128 bytes; the head says 160"
pass "a truncated log (manifest re-signed over it) -> TRUST_REJECTED; the last good set kept"
restore

# --- a set without a log: an export with its log taken out (files, the manifest's
# entries and "log"), the manifest re-signed by the publisher
ca export --out "$T/nolog" >/dev/null
rm -f "$T/nolog/log-head.json" "$T/nolog/log-head.json.p7s" "$T/nolog/log-leaves.bin"
"$PY" - "$T/nolog/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m.pop("log", None)
m["files"] = [f for f in m["files"] if not f["name"].startswith("log-")]
open(sys.argv[1], "w").write(json.dumps(m, indent=2) + "\n")
PY
resign "$T/nolog"
rm -f "$GW/trust/log-head.json" "$GW/trust/log-leaves.bin"
drop_set "$T/nolog"
refused TRUST_REJECTED "log: the trust set carries no transparency log"
pass "a set without a log under require_logged -> TRUST_REJECTED"
restore

# --- the log grows: a new device is accepted
gw_device dev-2
LOGGED+=("$DEV/dev-2.crt")
stage "$T/set2" "${LOGGED[@]}"
loads=$(audit_count CRL_LOADED)
drop_set "$T/set2"
wait_crl_event CRL_LOADED $((loads + 1))
last_audit CRL_LOADED | grep -q "log of 6 certificate(s)" || fail "$(last_audit CRL_LOADED)"
token_for dev-2 >/dev/null
grep -q '"tree_size": *6' "$GW/state/trust-state.json" || fail "state: $(cat "$GW/state/trust-state.json")"
pass "a grown log (dev-2 issued) is accepted, dev-2 gets a token, trust-state.json holds tree_size 6"
rm -rf "$T/set1" && cp -a "$T/set2" "$T/set1"

# --- history rewritten: a valid, validly signed log of 7 whose 5th leaf is the minted one
FORCE_LOG=1 stage "$T/rewritten" "$PKIH/root/ca.crt" "$ISS/ca.crt" "$PKIH/publisher/publisher.crt" \
  "$GW/server.crt" "$DEV/minted-1.crt" "$DEV/dev-1.crt" "$DEV/dev-2.crt"
drop_set "$T/rewritten"
refused LOG_INCONSISTENT "does not extend the last accepted one (tree_size 6"
pass "a rewritten history (minted-1 inserted, head valid and signed) -> LOG_INCONSISTENT; minted-1 still refused"
# the rewritten set stays in trust/ across a restart

# --- restart: the last head is persisted
gw_stop
iot-gateway --config "$GW/gateway.toml" >"$T/restart.out" 2>&1 && fail "started on the rewritten log"
grep -q "does not extend" "$T/restart.out" || fail "restart: $(tail -3 "$T/restart.out")"
pass "after a restart the rewritten log is still refused (trust-state.json keeps the last head)"
drop_set "$T/set1"
gw_start
token_for dev-1 >/dev/null
expect_refused 401 CERT_NOT_LOGGED dev_curl minted-1 -X POST "$(URL /auth/token)"
pass "restarted on the good set: dev-1 served, minted-1 refused"
gw_stop
finish
