#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# iot-ca backup / restore: a backup taken while tokens are being created is a
# consistent copy (SQLite's online backup), restores into a new home where `journal
# verify` passes, the certificate lists match and the restored (encrypted) CA keys
# still sign; a damaged or incomplete backup is refused (65) with a clear message and
# creates no home. Fails before the change: iot-ca has no backup command (exit 2).
. "$(dirname "$0")/../lib/common.sh"
H=$T/pki
mkdir -m 700 "$H"
printf '[argon2]\nt_cost = 1\nm_cost_kib = 8192\n' >"$H/iot-pki.toml"
(umask 077 && echo "backup test passphrase" >"$T/pass")
iot-ca --home "$H" init --cn "Backup Root" --key ec-p256 --passphrase-file "$T/pass" >/dev/null
iot-ca --home "$H" intermediate --name i1 --cn "Issuing" --passphrase-file "$T/pass" >/dev/null
for i in 1 2; do
  make_device_csr "dev-$i" "$T"
  iot-ca --home "$H" sign --csr "$T/dev-$i.csr" --profile device --out "$T/dev-$i.crt" \
    --passphrase-file "$T/pass" >/dev/null
done
iot-revoke --home "$H" cert "$(openssl x509 -in "$T/dev-2.crt" -noout -serial | cut -d= -f2)" >/dev/null

# A writer keeps the registry busy while the backup runs (bounded: 40 tokens, 60 s).
(
  end=$((SECONDS + 60))
  for n in $(seq 1 40); do
    [ "$SECONDS" -lt "$end" ] || break
    iot-provision --home "$H" token --device-id "live-$n" --out "$T/tok-$n" >/dev/null 2>&1 || true
  done
) &
track_pid $!
writer=$!
sleep 0.3
expect_exit 0 iot-ca --home "$H" backup --out "$T/b" --json
wait "$writer" || true
[ "$(stat -c %a "$T/b")" = 700 ] || fail "backup folder mode $(stat -c %a "$T/b")"
[ ! -e "$T/b/registry.db-wal" ] || fail "the backup's registry depends on a WAL file"
grep -q "ENCRYPTED PRIVATE KEY" "$T/b/root/ca.key" || fail "the root key is not kept encrypted"
pass "backup while tokens are created: a self-contained folder, keys as encrypted as at home"

expect_exit 73 iot-ca --home "$H" backup --out "$T/b"
expect_err_contains "already exists"
pass "a backup never overwrites a folder"

H2=$T/restored
expect_exit 0 iot-ca --home "$H2" restore --from "$T/b"
expect_exit 0 iot-ca --home "$H2" journal verify
iot-ca --home "$H" list --json >"$T/list1.json"
iot-ca --home "$H2" list --json >"$T/list2.json"
cmp -s "$T/list1.json" "$T/list2.json" || fail "certificate lists differ after restore"
iot-revoke --home "$H2" list --json >"$T/rev2.json"
grep -q '"reason"' "$T/rev2.json" || fail "the revocation was not restored"
before=$(iot-provision --home "$H2" list --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
after=$(iot-provision --home "$H" list --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$before" -le "$after" ] || fail "the backup has more tokens ($before) than the home ($after)"
pass "restore: journal verify passes, certificate lists match ($before of $after tokens were in the backup)"

make_device_csr dev-3 "$T"
expect_exit 0 iot-ca --home "$H2" sign --csr "$T/dev-3.csr" --profile device --out "$T/dev-3.crt" \
  --passphrase-file "$T/pass"
expect_exit 0 iot-ca --home "$H2" export --out "$T/trust2" --passphrase-file "$T/pass"
openssl verify -CAfile "$T/trust2/ca-bundle.pem" "$T/dev-3.crt" >/dev/null ||
  fail "a certificate of the restored CA does not verify"
pass "the restored CA keys sign and export"

expect_exit 2 iot-ca --home "$T/x" restore --from "$T/b" --bogus
expect_exit 73 iot-ca --home "$H2" restore --from "$T/b"
expect_err_contains "not empty"
pass "restore refuses a home that is in use"

cp -a "$T/b" "$T/bad1"
printf 'X' | dd of="$T/bad1/registry.db" bs=1 seek=5000 conv=notrunc status=none
expect_exit 65 iot-ca --home "$T/h-bad1" restore --from "$T/bad1"
expect_err_contains "registry.db does not match its SHA-256"
[ ! -e "$T/h-bad1" ] || fail "a refused restore left a home behind"
cp -a "$T/b" "$T/bad2"
rm "$T/bad2/issuing/i1/ca.key"
expect_exit 65 iot-ca --home "$T/h-bad2" restore --from "$T/bad2"
expect_err_contains "damaged or incomplete"
cp -a "$T/b" "$T/bad3"
echo '{"format": "iot-pki-backup/1", "files": [' >"$T/bad3/MANIFEST.json"
expect_exit 65 iot-ca --home "$T/h-bad3" restore --from "$T/bad3"
expect_err_contains "not valid JSON"
[ ! -e "$T/h-bad2" ] && [ ! -e "$T/h-bad3" ] || fail "a refused restore left a home behind"
pass "a damaged, incomplete or garbled backup is refused (65), naming the problem, and creates nothing"
finish
