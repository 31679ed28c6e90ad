#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Revocation for relying parties that fetch by URL (issue 15): with iot-pki.toml's
# [ca] crl_url / ca_issuers_url set, every certificate a CA signs carries a
# non-critical CRL Distribution Point and AIA caIssuers naming that CA's file, and
# `iot-ca export` writes crl/NAME.crl and ca/NAME.crt (DER) under those names. The export
# directory, served as it is by python's http.server on loopback, is all
# `openssl verify -crl_download -crl_check` needs: OK for a good device, "certificate
# revoked" after iot-revoke + export; checking the issuing CA certificate the same way
# fetches the root's CRL through its CDP. The DER files are in manifest.json "files" (size,
# sha256). Without the keys, certificates carry neither extension. Invalid URL templates
# are refused naming the key.
# Fails before the fix: the baseline refuses [ca] crl_url as an unknown key and its
# export writes no DER files.
. "$(dirname "$0")/../lib/common.sh"

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
H="$T/pki"
mkdir -p "$H"
cat >"$H/iot-pki.toml" <<TOML
[ca]
crl_url = "$BASE/crl/{ca}.crl"
ca_issuers_url = "$BASE/ca/{ca}.crt"
TOML
pki_home "$H" iss1
pki_device "$H" dev-good "$T/dev"
pki_device "$H" dev-bad "$T/dev"

# The extensions, as openssl shows them, naming the signer's files.
openssl x509 -in "$T/dev/dev-good.crt" -noout -text >"$T/dev.txt"
grep -A3 "X509v3 CRL Distribution Points" "$T/dev.txt" | grep -qF "URI:$BASE/crl/iss1.crl" ||
  fail "device certificate lacks the CDP: $(cat "$T/dev.txt")"
grep -A2 "Authority Information Access" "$T/dev.txt" | grep -qF "CA Issuers - URI:$BASE/ca/iss1.crt" ||
  fail "device certificate lacks AIA caIssuers: $(cat "$T/dev.txt")"
grep -q "X509v3 CRL Distribution Points: critical\|Authority Information Access: critical" \
  "$T/dev.txt" && fail "CDP/AIA must be non-critical"
openssl x509 -in "$H/issuing/iss1/ca.crt" -noout -text >"$T/iss.txt"
grep -qF "URI:$BASE/crl/root.crl" "$T/iss.txt" || fail "issuing CA certificate lacks the root's CDP"
grep -qF "CA Issuers - URI:$BASE/ca/root.crt" "$T/iss.txt" || fail "issuing CA lacks the root's AIA"
openssl x509 -in "$H/root/ca.crt" -noout -text | grep -q "CRL Distribution" &&
  fail "a self-signed root carries no CDP"
pass "device and issuing CA certificates carry non-critical CDP and AIA caIssuers of their signer"

PUB="$T/pub"
iot-ca --home "$H" export --out "$PUB" >/dev/null
for f in crl/root.crl crl/iss1.crl ca/root.crt ca/iss1.crt; do
  [ -f "$PUB/$f" ] || fail "export lacks $f"
  [ "$(stat -c %a "$PUB/$f")" = 644 ] || fail "$f is not 0644"
done
openssl crl -inform DER -in "$PUB/crl/iss1.crl" -noout -CAfile "$PUB/ca-bundle.pem" 2>&1 |
  grep -q "verify OK" || fail "crl/iss1.crl is not a DER CRL signed by iss1"
"$PY" - "$PUB" <<'PY' || fail "manifest.json does not list the DER files correctly"
import hashlib, json, sys
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
names = [f["name"] for f in m["files"]]
for want in ["ca-bundle.pem", "crl.pem", "crl/root.crl", "ca/root.crt", "crl/iss1.crl", "ca/iss1.crt"]:
    assert want in names, (want, names)
for f in m["files"]:
    data = open(d + "/" + f["name"], "rb").read()
    assert len(data) == f["size"] and hashlib.sha256(data).hexdigest() == f["sha256"], f
PY
pass "export writes crl/NAME.crl and ca/NAME.crt (DER, 0644), listed in manifest.json"

# Serve the export directory as it is; stopped by PID below (and on exit).
"$PY" -m http.server --bind 127.0.0.1 --directory "$PUB" "$PORT" >"$T/http.log" 2>&1 &
HTTP_PID=$!
track_pid "$HTTP_PID"
wait_for curl -sf -o /dev/null "$BASE/ca/root.crt"

openssl x509 -inform DER -in "$PUB/ca/root.crt" -out "$T/root.pem"
openssl x509 -inform DER -in "$PUB/ca/iss1.crt" -out "$T/iss1.pem"
verify() {  # verify CERT [extra openssl flags]: openssl's output
  local cert=$1
  shift
  openssl verify -crl_download -crl_check "$@" -CAfile "$T/root.pem" -untrusted "$T/iss1.pem" \
    "$cert" 2>&1 || true
}
for id in dev-good dev-bad; do
  out=$(verify "$T/dev/$id.crt")
  [ "$out" = "$T/dev/$id.crt: OK" ] || fail "$id before revocation: $out"
done
# The issuing CA certificate as the one checked: its CDP names the root's CRL.
out=$(openssl verify -crl_download -crl_check -CAfile "$T/root.pem" "$T/iss1.pem" 2>&1 || true)
[ "$out" = "$T/iss1.pem: OK" ] || fail "issuing CA certificate via the root's CDP: $out"
grep -q '"GET /crl/iss1.crl' "$T/http.log" || fail "openssl did not fetch crl/iss1.crl: $(cat "$T/http.log")"
grep -q '"GET /crl/root.crl' "$T/http.log" || fail "openssl did not fetch crl/root.crl"
pass "openssl verify -crl_download -crl_check accepts both devices with the served CRLs"

iot-revoke --home "$H" device dev-bad --reason keyCompromise >/dev/null
# The served CRL is the one of the last export: still OK until the next export.
out=$(verify "$T/dev/dev-bad.crt")
[ "$out" = "$T/dev/dev-bad.crt: OK" ] || fail "dev-bad before the export: $out"
iot-ca --home "$H" export --out "$PUB" >/dev/null
out=$(verify "$T/dev/dev-bad.crt")
case "$out" in
  *"certificate revoked"*) ;;
  *) fail "dev-bad after revoke + export: $out" ;;
esac
out=$(verify "$T/dev/dev-good.crt")
[ "$out" = "$T/dev/dev-good.crt: OK" ] || fail "dev-good after the export: $out"
pass "after iot-revoke + export: dev-bad 'certificate revoked', dev-good still OK"

kill "$HTTP_PID"
wait "$HTTP_PID" 2>/dev/null || true

# Without the keys nothing is added to certificates.
H2="$T/plain"
pki_home "$H2" iss1
pki_device "$H2" dev-1 "$T/dev2"
openssl x509 -in "$T/dev2/dev-1.crt" -noout -text >"$T/plain.txt"
grep -q "CRL Distribution\|Authority Information Access" "$T/plain.txt" &&
  fail "a certificate without configured URLs carries CDP/AIA"
pass "without crl_url / ca_issuers_url certificates carry neither extension"

# Invalid templates: refused by every command, naming the key and its line.
bad() {  # bad KEY VALUE MESSAGE
  printf '[ca]\n%s = "%s"\n' "$1" "$2" >"$H2/iot-pki.toml"
  expect_exit 78 iot-ca --home "$H2" list
  expect_err_contains "iot-pki.toml:2: ca.$1: $3"
}
bad crl_url "ftp://pki.example/crl/{ca}.crl" "must start with http:// or https://"
bad crl_url "http://pki.example/crl/root.crl" "must contain {ca} exactly once"
bad ca_issuers_url "http://pki.example/{ca}/{ca}.crt" "must contain {ca} exactly once"
bad crl_url "http://pki.example/crl/{ca}.crl,URI:http://evil/" "must hold URL characters only"
bad crl_url "http://pki.example/a b/{ca}.crl" "must hold URL characters only"
bad ca_issuers_url "http:///{ca}.crt" "must name a host"
bad crl_url "http://pki.example/$(printf 'a%.0s' $(seq 1 200))/{ca}.crl" "must be at most 200 bytes long"
pass "invalid URL templates are refused (exit 78) naming the key and line"
finish
