#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Root and issuing CAs in separate homes (issue 11 items 1-2): an issuing CA made from a
# CSR in a second home, signed by the root home, enrolling devices; its own passphrase;
# the root CRL signed only at the root ceremony and reused by every export with no root
# key in the issuing home; CRL lifetimes per CA in `openssl crl -text`; wrong inputs of
# the new commands refused with SPEC exit codes and nothing half-written.
# Fails before the change: the baseline has no issuing-request / --csr, exports need
# root/ca.key (exit 66) and every CRL lives 7 days.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root-home   # the offline root's home
I=$T/factory     # an issuing home (factory line)
printf 'root passphrase 0123\n' >"$T/rpass"
printf 'issuing passphrase 987\n' >"$T/ipass"
chmod 600 "$T/rpass" "$T/ipass"
crl_days() {  # days from lastUpdate to nextUpdate of one CRL file
  local l n
  l=$(openssl crl -in "$1" -noout -lastupdate | cut -d= -f2)
  n=$(openssl crl -in "$1" -noout -nextupdate | cut -d= -f2)
  echo $((($(date -d "$n" +%s) - $(date -d "$l" +%s)) / 86400))
}
crl_num() { openssl crl -in "$1" -noout -crlnumber | cut -d= -f2; }
ncerts() { sqlite3 "$1/registry.db" "SELECT count(*) FROM certs"; }

mkdir -p "$R" "$I" && chmod 700 "$R" "$I"
printf '[argon2]\nt_cost = 1\nm_cost_kib = 8192\n[crl.fac2]\ndays = 30\n' >"$I/iot-pki.toml"
iot-ca --home "$R" init --cn "Offline Root" --key ec-p384 --passphrase-file "$T/rpass" >/dev/null

# --- the issuing home makes its key and CSR; no root anywhere in it
expect_exit 0 iot-ca --home "$I" issuing-request --name fac1 --cn "Factory 1" --key ec-p256 \
  --passphrase-file "$T/ipass" --out "$T/fac1.csr"
[ -f "$I/issuing/fac1/ca.key" ] && [ -f "$I/issuing/fac1/ca.csr" ] || fail "request files"
[ ! -e "$I/root" ] || [ ! -e "$I/root/ca.key" ] || fail "a root key in the issuing home"
openssl req -in "$T/fac1.csr" -noout -verify 2>&1 | grep -q "verify OK" || fail "CSR self-signature"
openssl req -in "$T/fac1.csr" -noout -text | grep -q "CA:TRUE" || fail "CSR asks for no CA"
expect_exit 73 iot-ca --home "$I" issuing-request --name fac1 --cn "Again" --no-passphrase
pass "issuing-request: key + CA CSR in the issuing home, no root key needed; a second request for the name is refused (73)"

# --- wrong inputs at the root: a device CSR, garbage; nothing recorded
before=$(ncerts "$R")
make_device_csr dev-x "$T/d"
expect_exit 65 iot-ca --home "$R" intermediate --name fac1 --csr "$T/d/dev-x.csr" --out "$T/x.crt" \
  --root-passphrase-file "$T/rpass"
expect_err_contains "not a CA request"
head -c 500 /dev/urandom >"$T/junk.csr"
expect_exit 65 iot-ca --home "$R" intermediate --name fac1 --csr "$T/junk.csr" --out "$T/x.crt" \
  --root-passphrase-file "$T/rpass"
expect_exit 77 iot-ca --home "$R" intermediate --name fac1 --csr "$T/fac1.csr" --out "$T/x.crt" \
  --root-passphrase-file "$T/ipass"
[ ! -e "$T/x.crt" ] && [ "$(ncerts "$R")" = "$before" ] || fail "a refused CSR left a trace"
pass "intermediate --csr refuses a device CSR and garbage (65), a wrong root passphrase (77); nothing written or recorded"

# --- the root ceremony: sign the CSR, sign the root CRL
expect_exit 0 iot-ca --home "$R" intermediate --name fac1 --csr "$T/fac1.csr" --out "$T/fac1.crt" \
  --root-passphrase-file "$T/rpass"
openssl x509 -in "$T/fac1.crt" -noout -text >"$T/fac1.txt"
grep -q "CA:TRUE, pathlen:0" "$T/fac1.txt" || fail "pathlen 0: $(grep -A1 'Basic Constraints' "$T/fac1.txt")"
grep -q "Certificate Sign, CRL Sign" "$T/fac1.txt" || fail "key usage"
[ "$(ncerts "$R")" = $((before + 1)) ] || fail "not recorded in the root registry"
iot-ca --home "$R" journal verify >/dev/null || fail "root journal"
expect_exit 0 iot-revoke --home "$R" crl --ca root --out "$T/root-crl.pem" --passphrase-file "$T/rpass"
[ -f "$R/root/crl.pem" ] || fail "root CRL not kept in the root home"
[ "$(crl_days "$T/root-crl.pem")" = 365 ] || fail "root CRL lifetime $(crl_days "$T/root-crl.pem")"
pass "the root home signs the CSR with the issuing profile (pathlen 0), records it, and signs a 365-day root CRL"

# --- the import in the issuing home: wrong inputs first
H3=$T/other
iot-ca --home "$T/evil" init --cn "Other Root" --key ec-p256 --no-passphrase >/dev/null 2>&1
iot-ca --home "$H3" issuing-request --name fac2 --cn "Other" --key ec-p256 --no-passphrase >/dev/null 2>&1
iot-ca --home "$R" intermediate --name fac2 --csr "$H3/issuing/fac2/ca.csr" --out "$T/fac2-other.crt" \
  --root-passphrase-file "$T/rpass" >/dev/null
expect_exit 0 iot-ca --home "$I" issuing-request --name fac2 --cn "Factory 2" --key ec-p256 \
  --passphrase-file "$T/ipass"
expect_exit 65 iot-ca --home "$I" issuing-import --name fac2 --cert "$T/fac2-other.crt" \
  --root "$R/root/ca.crt"
expect_err_contains "does not match the key"
expect_exit 65 iot-ca --home "$I" issuing-import --name fac1 --cert "$T/fac1.crt" --root "$T/evil/root/ca.crt"
expect_exit 65 iot-ca --home "$I" issuing-import --name fac1 --cert "$T/fac1.crt" --root "$T/fac1.crt"
expect_exit 65 iot-ca --home "$I" issuing-import --name fac1 --cert "$T/fac1.crt" --root "$R/root/ca.crt" \
  --root-crl "$T/junk.csr"
expect_exit 66 iot-ca --home "$I" issuing-import --name nope --cert "$T/fac1.crt" --root "$R/root/ca.crt"
[ ! -e "$I/root/ca.crt" ] && [ ! -e "$I/issuing/fac1/ca.crt" ] && [ ! -e "$I/root/crl.pem" ] ||
  fail "a refused import left files"
pass "issuing-import refuses a certificate for another key, a wrong root, a non-root, a bad root CRL (65) and an unknown request (66); nothing installed"

expect_exit 0 iot-ca --home "$I" issuing-import --name fac1 --cert "$T/fac1.crt" --root "$R/root/ca.crt" \
  --root-crl "$T/root-crl.pem"
expect_exit 73 iot-ca --home "$I" issuing-import --name fac1 --cert "$T/fac1.crt" --root "$R/root/ca.crt"
openssl verify -CAfile "$I/root/ca.crt" "$I/issuing/fac1/ca.crt" >/dev/null || fail "openssl verify issuing"
[ ! -e "$I/root/ca.key" ] || fail "root key in the issuing home"
pass "issuing-import installs the certificate, the root and its CRL; a second import is refused (73); openssl verify accepts the chain"

# --- the publisher key (signs manifest.json) crosses the same way: key and CSR in the
# issuing home, certificate from the root home, import checks it.
expect_exit 0 iot-ca --home "$I" publisher --request --out "$T/pub.csr" --passphrase-file "$T/ipass"
[ ! -e "$I/publisher/publisher.crt" ] || fail "a publisher certificate before the root signed one"
expect_exit 65 iot-ca --home "$I" publisher --import "$T/fac1.crt"
expect_exit 0 iot-ca --home "$R" publisher --csr "$T/pub.csr" --out "$T/pub.crt" --passphrase-file "$T/rpass"
openssl x509 -in "$T/pub.crt" -noout -ext extendedKeyUsage | grep -qi "1.3.6.1.5.5.7.3.36\|document" ||
  fail "publisher EKU: $(openssl x509 -in "$T/pub.crt" -noout -ext extendedKeyUsage)"
expect_exit 0 iot-ca --home "$I" publisher --import "$T/pub.crt"
openssl verify -CAfile "$I/root/ca.crt" -purpose any "$I/publisher/publisher.crt" >/dev/null ||
  fail "openssl verify publisher"
pass "publisher across homes: --request here, --csr in the root home, --import here (a CA certificate refused, 65)"

# --- enrollment in the issuing home, with the issuing key's own passphrase
(umask 077 && iot-provision --home "$I" token --device-id meter-1 >"$T/tok" 2>/dev/null)
make_device_csr meter-1 "$T/d"
expect_exit 77 iot-provision --home "$I" enroll --token-file "$T/tok" --csr "$T/d/meter-1.csr" \
  --out "$T/meter-1.crt" --ca fac1 --passphrase-file "$T/rpass"
expect_exit 0 iot-provision --home "$I" enroll --token-file "$T/tok" --csr "$T/d/meter-1.csr" \
  --out "$T/meter-1.crt" --ca fac1 --passphrase-file "$T/ipass"
openssl verify -CAfile "$I/root/ca.crt" -untrusted "$I/issuing/fac1/ca.crt" "$T/meter-1.crt" >/dev/null ||
  fail "device chain"
pass "the issuing home enrolls a device with its own passphrase (the root's is refused, 77); openssl verify of root -> issuing -> device"

# --- export without any root key: the root CRL is reused, lifetimes per CA
expect_exit 0 iot-ca --home "$I" export --out "$T/tr1" --passphrase-file "$T/ipass"
expect_exit 0 iot-ca --home "$I" export --out "$T/tr2" --passphrase-file "$T/ipass"
expect_err_contains "[crl.fac2] names no issuing CA of this home (it has: fac1)"
for d in tr1 tr2; do
  mkdir -p "$T/$d/p"
  csplit -s -z -f "$T/$d/p/c" "$T/$d/crl.pem" '/-----BEGIN X509 CRL-----/' '{*}'
done
[ "$(crl_num "$T/tr1/p/c00")" = "$(crl_num "$T/root-crl.pem")" ] &&
  [ "$(crl_num "$T/tr2/p/c00")" = "$(crl_num "$T/root-crl.pem")" ] || fail "the root CRL was re-signed"
cmp -s "$T/tr1/p/c00" "$T/tr2/p/c00" || fail "root CRL bytes changed across exports"
[ "$(crl_num "$T/tr2/p/c01")" != "$(crl_num "$T/tr1/p/c01")" ] || fail "issuing CRL not fresh"
[ "$(crl_days "$T/tr1/p/c00")" = 365 ] && [ "$(crl_days "$T/tr1/p/c01")" = 7 ] ||
  fail "lifetimes root $(crl_days "$T/tr1/p/c00") issuing $(crl_days "$T/tr1/p/c01")"
openssl crl -in "$T/tr1/p/c00" -noout -verify -CAfile "$I/root/ca.crt" 2>&1 | grep -q "verify OK" ||
  fail "root CRL signature"
pass "two exports with no root key: the root CRL (#$(crl_num "$T/root-crl.pem")) reused byte for byte, the issuing CRL fresh; 365 d root, 7 d issuing in openssl crl"

# [crl.fac2] days = 30 (an override by name), once fac2 is installed
iot-ca --home "$R" intermediate --name fac2 --csr "$I/issuing/fac2/ca.csr" --out "$T/fac2.crt" \
  --root-passphrase-file "$T/rpass" >/dev/null
expect_exit 0 iot-ca --home "$I" issuing-import --name fac2 --cert "$T/fac2.crt" --root "$R/root/ca.crt"
expect_exit 0 iot-revoke --home "$I" crl --ca fac2 --out "$T/fac2-crl.pem" --passphrase-file "$T/ipass"
[ "$(crl_days "$T/fac2-crl.pem")" = 30 ] || fail "[crl.fac2] override: $(crl_days "$T/fac2-crl.pem")"
expect_exit 0 iot-ca --home "$I" export --out "$T/tr3" --passphrase-file "$T/ipass" --json
"$PY" - "$T/last.out" <<'PYEOF' || fail "export json"
import json, sys, datetime
d = json.load(open(sys.argv[1]))
p = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
life = {c["name"]: (p(c["next_update"]) - p(c["this_update"])).days for c in d["cas"]}
assert life == {"root": 365, "fac1": 7, "fac2": 30}, life
assert d["warnings"] == [], d["warnings"]
PYEOF
pass "[crl.fac2] days = 30 overrides [crl.issuing] for that CA (iot-revoke crl and export)"

# --- the root CRL's expiry: a warning within the window, a refusal once expired
expect_exit 0 iot-ca --home "$I" export --out "$T/tr4" --passphrase-file "$T/ipass" --warn-within 400d --json
grep -q "root CRL" "$T/last.err" || fail "no stderr warning: $(cat "$T/last.err")"
"$PY" -c 'import json,sys; w=json.load(open(sys.argv[1]))["warnings"]; assert any("root CRL" in x and "iot-revoke" in x for x in w), w' \
  "$T/last.out" || fail "json warnings"
cp "$I/root/crl.pem" "$T/kept.pem"
expect_exit 65 iot-ca --home "$I" import-root-crl --crl "$T/tr1/p/c01"
rm "$I/root/crl.pem"
expect_exit 66 iot-ca --home "$I" export --out "$T/tr5" --passphrase-file "$T/ipass"
expect_err_contains "iot-revoke --home ROOT_HOME crl --ca root"
[ ! -e "$T/tr5/crl.pem" ] || fail "export wrote without a root CRL"
expect_exit 0 iot-ca --home "$I" import-root-crl --crl "$T/kept.pem"
pass "export warns (stderr, --json, exit 0) when the root CRL ends within --warn-within; without a root CRL it exits 66 naming the ceremony; import-root-crl refuses another CA's CRL (65)"

# --- a later ceremony: a newer root CRL imports, the older one is a rollback
iot-revoke --home "$R" crl --ca root --out "$T/root-crl2.pem" --passphrase-file "$T/rpass" >/dev/null
expect_exit 0 iot-ca --home "$I" import-root-crl --crl "$T/root-crl2.pem"
expect_exit 65 iot-ca --home "$I" import-root-crl --crl "$T/root-crl.pem"
expect_err_contains "rollback"
cmp -s "$I/root/crl.pem" "$T/root-crl2.pem" || fail "kept CRL changed by a refused import"
expect_exit 0 iot-ca --home "$I" journal verify
pass "import-root-crl takes the next ceremony's CRL and refuses an older one (65, kept file unchanged); the journal verifies"

# --- the single home keeps working, and export there needs the root key no more
S=$T/single
pki_home "$S" iss1
expect_exit 0 iot-ca --home "$S" export --out "$T/s1"
n1=$(sqlite3 "$S/registry.db" "SELECT last FROM crl_numbers WHERE ca='root'")
rm "$S/root/ca.key"
expect_exit 0 iot-ca --home "$S" export --out "$T/s2"
n2=$(sqlite3 "$S/registry.db" "SELECT last FROM crl_numbers WHERE ca='root'")
[ "$n1" = "$n2" ] || fail "root CRL number moved: $n1 -> $n2"
for d in s1 s2; do
  mkdir -p "$T/$d/p"
  csplit -s -z -f "$T/$d/p/c" "$T/$d/crl.pem" '/-----BEGIN X509 CRL-----/' '{*}'
done
cmp -s "$T/s1/p/c00" "$T/s2/p/c00" || fail "root CRL differs"
pass "single home: init + intermediate as before; export with root/ca.key removed reuses the root CRL (number $n1 unchanged)"
finish
