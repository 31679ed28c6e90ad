#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CRL benchmark (issue 2, "Measure"): `iot-revoke crl` against `openssl ca -gencrl`
# on the same revoked serials, side by side, wall time and peak RSS.
#
#   tests/bench/crl_bench.sh [BIN_DIR] [N ...]     default: build-rev-rel/bin 100000 1000000
#
# For each N it seeds a registry with N revoked certificates of one issuing CA (straight
# into SQLite: fast), writes the equivalent openssl `index.txt` + openssl.cnf from the
# same rows (same serials, revocation times and reasons, same CA key, digest, validity
# and extensions), runs both tools (PEM output each), checks both CRLs verify and hold
# N entries, and prints `/usr/bin/time -f '%e %M'` figures and the ratios.
# Run by hand (not under ctest); needs a Release build.
#
# BENCH_COVERING_INDEX=1 adds a second copy of the covering index that registry schema
# v2 already ships (it measured the gain before the migration existed); with schema v2
# it changes nothing. See docs/benchmarks.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$here/../../build-rev-rel/bin}
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)
BIN=$(cd "$BIN" && pwd)
[ -x "$BIN/iot-revoke" ] && [ -x "$BIN/iot-ca" ] || { echo "no iot-revoke/iot-ca in $BIN" >&2; exit 2; }
. "$here/../revoke/revoke_lib.bash"

W=$(mktemp -d "${TMPDIR:-/tmp}/iotpki-crlbench.XXXXXX")
trap 'rm -rf "$W"' EXIT

# time_it OUTFILE CMD...: runs CMD under /usr/bin/time; OUTFILE gets "seconds maxrss_kib".
time_it() {
  local out=$1
  shift
  /usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>"$out.err"
}

echo "covering index: ${BENCH_COVERING_INDEX:-0}"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(openssl version | cut -d' ' -f1-2)"
printf '%-9s | %-22s | %-22s | %-16s | %s\n' "entries" "iot-revoke crl" "openssl ca -gencrl" "time ratio" "RSS ratio"
printf '%-9s | %-22s | %-22s | %-16s | %s\n' "" "s / MiB" "s / MiB" "(ours/openssl)" "(ours/openssl)"

for n in "${SIZES[@]}"; do
  d=$W/$n
  H=$d/pki
  mkdir -p "$d/ossl"
  "$BIN/iot-ca" --home "$H" init --cn "Bench Root" --key ec-p256 --no-passphrase >/dev/null
  "$BIN/iot-ca" --home "$H" intermediate --name iss1 --cn "Bench Issuing" --key ec-p256 --no-passphrase >/dev/null
  seed_revoked "$H/registry.db" iss1 "$n"
  if [ "${BENCH_COVERING_INDEX:-0}" = 1 ]; then
    sqlite3 "$H/registry.db" "CREATE INDEX bench_revoked_cover ON certs(issuer, serial, revoked_at,
      reason) WHERE revoked_at IS NOT NULL"
  fi

  # openssl ca's database: R <expiry> <revoked[,reason]> <serial> unknown <subject>
  sqlite3 -separator $'\t' "$H/registry.db" \
    "SELECT 'R', substr(strftime('%Y%m%d%H%M%SZ', not_after, 'unixepoch'), 3),
            substr(strftime('%Y%m%d%H%M%SZ', revoked_at, 'unixepoch'), 3) || ',' || reason,
            serial, 'unknown', '/CN=' || device_id
     FROM certs WHERE issuer = 'iss1' AND revoked_at IS NOT NULL ORDER BY serial" \
    >"$d/ossl/index.txt"
  echo 01 >"$d/ossl/crlnumber"
  cat >"$d/ossl/openssl.cnf" <<CNF
[ ca ]
default_ca = bench
[ bench ]
dir = $d/ossl
database = \$dir/index.txt
crlnumber = \$dir/crlnumber
certificate = $H/issuing/iss1/ca.crt
private_key = $H/issuing/iss1/ca.key
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
unique_subject = no
[ crl_ext ]
authorityKeyIdentifier = keyid:always
CNF
  sync

  time_it "$d/ours.time" "$BIN/iot-revoke" --home "$H" crl --out "$d/ours.pem"
  time_it "$d/ossl.time" openssl ca -gencrl -batch -config "$d/ossl/openssl.cnf" -out "$d/ossl.pem"

  for f in ours ossl; do
    openssl crl -in "$d/$f.pem" -noout -verify -CAfile "$H/issuing/iss1/ca.crt" 2>&1 |
      grep -q "verify OK" || { echo "$f CRL does not verify" >&2; exit 1; }
    got=$(openssl crl -in "$d/$f.pem" -noout -text | grep -c "Serial Number:")
    [ "$got" = "$n" ] || { echo "$f CRL has $got entries, want $n" >&2; exit 1; }
  done
  read -r ot orss <"$d/ours.time"
  read -r st srss <"$d/ossl.time"
  printf '%-9s | %6.2f s / %7.1f MiB | %6.2f s / %7.1f MiB | %-16s | %s\n' "$n" \
    "$ot" "$(echo "$orss/1024" | bc -l)" "$st" "$(echo "$srss/1024" | bc -l)" \
    "$(printf '%.2f' "$(echo "$ot/$st" | bc -l)")" "$(printf '%.2f' "$(echo "$orss/$srss" | bc -l)")"
  printf '%-9s   sizes: ours %s bytes PEM, openssl %s bytes PEM\n' "" \
    "$(stat -c %s "$d/ours.pem")" "$(stat -c %s "$d/ossl.pem")"
  rm -rf "$d"
done
