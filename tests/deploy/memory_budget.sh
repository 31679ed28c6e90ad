#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The systemd unit's MemoryMax holds the default max_connections (issue 15): MemoryMax
# >= base + max_connections x per-connection figure, with both figures as
# docs/operations.md documents them (its memory-budget line), the per-connection figure
# no lower than every idle mTLS RSS figure docs/benchmarks.md measured, and
# max_connections the default in gateway/config/config.hpp. MemoryHigh is below MemoryMax.
# Fails before the fix: the unit had MemoryMax=1G for 10,000 x ~95 KiB (checked by
# running it on the old unit).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
UNIT="$DEPLOY_DIR/systemd/iot-gateway.service"

to_kib() {  # a systemd size (K, M, G suffix, base 1024) in KiB
  local v=$1
  case "$v" in
    *K) echo "${v%K}" ;;
    *M) echo $((${v%M} * 1024)) ;;
    *G) echo $((${v%G} * 1024 * 1024)) ;;
    *) echo $((v / 1024)) ;;
  esac
}
max=$(to_kib "$(sed -n 's/^MemoryMax=//p' "$UNIT")")
high=$(to_kib "$(sed -n 's/^MemoryHigh=//p' "$UNIT")")
budget=$(grep -o 'memory-budget: per_connection_kib=[0-9]* base_mib=[0-9]*' "$REPO/docs/operations.md") ||
  fail "docs/operations.md lacks its memory-budget line"
per_conn=${budget#*per_connection_kib=}
per_conn=${per_conn%% *}
base_mib=${budget#*base_mib=}
conns=$(sed -n 's/.*std::uint64_t max_connections = \([0-9]*\);.*/\1/p' "$REPO/gateway/config/config.hpp")
[ -n "$conns" ] || fail "no max_connections default in gateway/config/config.hpp"

# The documented per-connection figure covers every measured one (bytes in benchmarks.md).
while read -r measured; do
  [ $((per_conn * 1024)) -ge "$measured" ] ||
    fail "documented $per_conn KiB per connection is below the measured $measured B"
done < <(grep 'RSS per idle keep-alive mTLS connection' "$REPO/docs/benchmarks.md" |
  sed 's/.*| \([0-9,]*\) B |.*/\1/' | tr -d ,)

need=$((base_mib * 1024 + conns * per_conn))
[ "$max" -ge "$need" ] ||
  fail "MemoryMax $((max / 1024)) MiB < ${base_mib} MiB + $conns x $per_conn KiB = $((need / 1024)) MiB"
[ "$high" -lt "$max" ] || fail "MemoryHigh is not below MemoryMax"
pass "MemoryMax $((max / 1024)) MiB >= ${base_mib} MiB + $conns x $per_conn KiB = $((need / 1024)) MiB"
finish
