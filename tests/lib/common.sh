# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared helpers for the integration tests (bash). Source it first:
#   . "$(dirname "$0")/../lib/common.sh"
# Tests get the binaries' folder as $IOTPKI_BIN (set by ctest) and work in a private
# temporary directory that is removed, with every process they started, on exit.
set -euo pipefail

: "${IOTPKI_BIN:?IOTPKI_BIN must point at the folder holding the built binaries}"
export PATH="$IOTPKI_BIN:$PATH"
PY=/usr/bin/python3  # Debian's python, which has python3-cryptography and python3-jwt

T=$(mktemp -d "${TMPDIR:-/tmp}/iotpki-test.XXXXXX")
_PIDS=()
_cleanup() {
  local pid
  for pid in "${_PIDS[@]:-}"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  done
  for pid in "${_PIDS[@]:-}"; do
    if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$T"
}
trap _cleanup EXIT

# Remember a background process so it is killed on exit.
track_pid() { _PIDS+=("$1"); }

PASSED=0
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
pass() {
  PASSED=$((PASSED + 1))
  echo "ok - $*"
}

# expect_exit CODE CMD... : runs CMD, captures stderr in $T/last.err, checks the status.
expect_exit() {
  local want=$1
  shift
  local got=0
  "$@" >"$T/last.out" 2>"$T/last.err" || got=$?
  if [ "$got" -ne "$want" ]; then
    echo "--- stdout" >&2
    cat "$T/last.out" >&2
    echo "--- stderr" >&2
    cat "$T/last.err" >&2
    fail "expected exit $want, got $got: $*"
  fi
}

# expect_err_contains TEXT : the last command's stderr names the problem.
expect_err_contains() {
  grep -qiF -- "$1" "$T/last.err" || fail "stderr lacks '$1': $(cat "$T/last.err")"
}

# A TCP port on 127.0.0.1 that is free right now, below the kernel's ephemeral range
# (ip_local_port_range starts at 32768 by default): a port bind(0) hands out there can be
# taken by any outgoing connection (a gateway's to its backend, another test's) before
# the server that is meant to listen on it starts. Bounded: 200 tries.
free_port() {
  $PY -c '
import random, socket, sys
for _ in range(200):
    port = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    sys.exit(0)
sys.exit("no free port in 20000-32000 after 200 tries")'
}

# wait_for CMD... : retries CMD for up to 10 s (bounded), failing the test after.
wait_for() {
  local _
  for _ in $(seq 1 100); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "timed out waiting for: $*"
}

# The device's side: a key and a CSR made with the openssl CLI, never by our tools.
make_device_csr() {  # make_device_csr ID DIR [keyalg]
  local id=$1 dir=$2 alg=${3:-ec}
  mkdir -p "$dir"
  if [ "$alg" = rsa ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/$id.key" 2>/dev/null
  else
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$id.key" 2>/dev/null
  fi
  openssl req -new -key "$dir/$id.key" -subj "/CN=$id" -out "$dir/$id.csr" 2>/dev/null
}

finish() { echo "$PASSED passed, 0 failed"; }

# The PKI fixture (CA homes, server and device certificates).
# shellcheck source=tests/lib/pki.sh
. "$(dirname "${BASH_SOURCE[0]}")/pki.sh"
