#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark of `iot-provision enroll --batch` (not a ctest test): N devices with
# --jobs 1 and --jobs 2, each on a fresh PKI home with its own tokens. Prints devices
# per second, the share of wall time spent outside Argon2id verification and signing,
# and the --jobs 2 speed-up.
#
#   tests/bench/provision_bench.sh [BIN_DIR]
#   N=1000 T_COST=2 M_COST_KIB=19456 JOBS="1 2" tests/bench/provision_bench.sh build/bin
#
# The default cost is t=2, m=19 MiB (OWASP's minimum for Argon2id); T_COST=3
# M_COST_KIB=65536 measures the shipped default (about 5x slower per device).
# "outside" = 1 - (Argon2id seconds + signing seconds) / (wall seconds x workers): the
# share of the workers' wall time not spent on those two (CSR parsing, SQLite, fsync,
# files, idle waiting). writer_s is the writer thread's busy time (transactions,
# signing, certificate files), which overlaps the workers' verifications.
set -euo pipefail
BIN=$(cd "${1:-build/bin}" && pwd)
N=${N:-1000}
T_COST=${T_COST:-2}
M_COST_KIB=${M_COST_KIB:-19456}
JOBS=${JOBS:-1 2}
export PATH="$BIN:$PATH"
W=$(mktemp -d "${TMPDIR:-/tmp}/iotpki-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
umask 077

echo "iot-provision enroll --batch: $N devices, Argon2id t=$T_COST m=${M_COST_KIB}KiB p=1," \
  "EC P-256 issuing CA, $(nproc) cores ($(uname -m)), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "making $N EC P-256 device keys and CSRs (python3-cryptography) ..."
python3 - "$N" "$W/csr" <<'PYEOF'
import os, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
n, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out)
for i in range(1, n + 1):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"bench-{i:05d}")]))
           .sign(key, hashes.SHA256()))
    open(f"{out}/bench-{i:05d}.csr", "wb").write(csr.public_bytes(serialization.Encoding.PEM))
PYEOF
seq -f 'bench-%05g' 1 "$N" >"$W/ids"

# Calibration: bare libargon2 at the same cost on 1 and 2 threads, right now. On a
# machine shared with other work the second core may not be free; this is the ceiling
# any --jobs 2 speed-up can reach at this moment.
cat >"$W/calib.c" <<'CEOF'
#include <argon2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static unsigned t_cost, m_cost;
static int n = 16;
static void* run(void* a) {
  unsigned char out[32], salt[16] = {0};
  for (int i = 0; i < n; i++) argon2id_hash_raw(t_cost, m_cost, 1, "pw", 2, salt, 16, out, 32);
  return a;
}
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}
int main(int argc, char** argv) {
  (void)argc;
  t_cost = (unsigned)atoi(argv[1]);
  m_cost = (unsigned)atoi(argv[2]);
  double a = now();
  run(0);
  const double one = n / (now() - a);
  pthread_t t1, t2;
  a = now();
  pthread_create(&t1, 0, run, 0);
  pthread_create(&t2, 0, run, 0);
  pthread_join(t1, 0);
  pthread_join(t2, 0);
  const double two = 2 * n / (now() - a);
  printf("bare Argon2id: %.1f hashes/s on 1 thread, %.1f on 2 (ceiling %.2fx)\n", one, two,
         two / one);
  return 0;
}
CEOF
if cc -O2 -o "$W/calib" "$W/calib.c" -largon2 -lpthread 2>/dev/null; then
  "$W/calib" "$T_COST" "$M_COST_KIB"
fi

declare -A RATE
printf '%-6s %10s %10s %10s %8s %10s %9s\n' jobs wall_s dev/s argon2_s sign_s writer_s outside
for j in $JOBS; do
  H=$W/home-$j
  iot-ca --home "$H" init --cn "Bench Root" --key ec-p256 --no-passphrase >/dev/null
  iot-ca --home "$H" intermediate --name line --cn "Bench Line" --no-passphrase >/dev/null
  sed -i -e "s/^t_cost = .*/t_cost = $T_COST/" -e "s/^m_cost_kib = .*/m_cost_kib = $M_COST_KIB/" \
    "$H/iot-pki.toml"
  iot-provision --home "$H" token --batch "$W/ids" --out "$W/tokens-$j.csv" --ttl 2h \
    --jobs "$(nproc)" >/dev/null
  { echo "token,csr_path"; tail -n +2 "$W/tokens-$j.csv" | awk -F, -v d="$W/csr" \
    '{print $2 "," d "/" $1 ".csr"}'; } >"$W/manifest-$j.csv"
  iot-provision --home "$H" --json enroll --batch "$W/manifest-$j.csv" --out-dir "$W/out-$j" \
    --jobs "$j" >"$W/result-$j.json" 2>/dev/null
  python3 - "$W/result-$j.json" "$j" <<'PYEOF' >"$W/line-$j"
import json, sys
d = json.load(open(sys.argv[1]))
t = d["timing"]
assert d["ok"] == d["total"], d
wall, a, s, w, j = t["wall_s"], t["argon2_s"], t["sign_s"], t["writer_s"], t["jobs"]
outside = 1 - (a + s) / (wall * j)
print(f"{sys.argv[2]:<6} {wall:10.2f} {d['total'] / wall:10.1f} {a:10.2f} {s:8.2f} {w:10.2f} {outside:9.1%}")
print(d["total"] / wall)
PYEOF
  head -1 "$W/line-$j"
  RATE[$j]=$(tail -1 "$W/line-$j")
done
if [ -n "${RATE[1]:-}" ] && [ -n "${RATE[2]:-}" ]; then
  python3 -c "import sys; print(f'speed-up --jobs 2 / --jobs 1: {float(sys.argv[2]) / float(sys.argv[1]):.2f}x')" \
    "${RATE[1]}" "${RATE[2]}"
fi
