#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# systemd/iot-gateway.service: `systemd-analyze verify` accepts it and
# `systemd-analyze security --offline=true` scores it no worse than the figure reached
# when it was written. The unit's ExecStart binary, /usr/local/bin/iot-gateway, is made
# visible in a private mount namespace only (the built gateway when it exists, else a
# stub), so verify checks the real path without touching the host.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

need_root
need_cmd systemd-analyze systemd
need_cmd unshare util-linux
UNIT="$DEPLOY_DIR/systemd/iot-gateway.service"
[ -f "$UNIT" ] || fail "missing $UNIT"

# The exposure figure this unit reached with Debian 12's systemd 252. A change that
# weakens the sandbox raises it and fails here; lower it when the unit improves.
MAX_EXPOSURE=1.1

mkdir -p "$T/bin" "$T/unit"
if [ -x "$IOTPKI_BIN/iot-gateway" ]; then
  cp "$IOTPKI_BIN/iot-gateway" "$T/bin/iot-gateway"
else
  printf '#!/bin/sh\nexit 0\n' >"$T/bin/iot-gateway"
  chmod 0755 "$T/bin/iot-gateway"
fi
cp "$UNIT" "$T/unit/iot-gateway.service"

cat >"$T/verify.sh" <<'EOF'
set -euo pipefail
mkdir -p /usr/local/bin
mount --bind "$1/bin" /usr/local/bin
systemd-analyze verify "$1/unit/iot-gateway.service"
EOF
unshare --mount bash "$T/verify.sh" "$T" >"$T/verify.out" 2>&1 ||
  fail "systemd-analyze verify: $(cat "$T/verify.out")"
# Anything said about our unit is a failure; other lines come from the host's units.
if grep -q 'iot-gateway' "$T/verify.out"; then
  fail "systemd-analyze verify warns about the unit: $(cat "$T/verify.out")"
fi
if [ -s "$T/verify.out" ]; then sed 's/^/# host: /' "$T/verify.out"; fi
pass "systemd-analyze verify accepts the unit with no warning about it"

systemd-analyze security --offline=true --no-pager "$T/unit/iot-gateway.service" >"$T/sec.out" 2>&1 ||
  fail "systemd-analyze security failed: $(cat "$T/sec.out")"
score=$(sed -n 's/.*Overall exposure level for iot-gateway.service: \([0-9.]*\).*/\1/p' "$T/sec.out")
[ -n "$score" ] || fail "no exposure score in: $(cat "$T/sec.out")"
awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' ||
  fail "exposure $score is above $MAX_EXPOSURE: $(grep '^✗' "$T/sec.out")"
# The same bound through systemd's own check (threshold is in tenths).
threshold=$(awk -v m="$MAX_EXPOSURE" 'BEGIN { printf "%d", m * 10 + 0.5 }')
systemd-analyze security --offline=true --threshold="$threshold" "$T/unit/iot-gateway.service" >/dev/null 2>&1 ||
  fail "systemd-analyze security --threshold=$threshold rejects the unit"
pass "systemd-analyze security: exposure $score (bound $MAX_EXPOSURE, issue limit 2.0)"

# What the issue asks for, setting by setting (the score alone could hide a swap).
want=(
  "Type=notify" "WatchdogSec=30s" "Restart=on-failure" "User=iot-gateway" "Group=iot-gateway"
  "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes"
  "PrivateDevices=yes" "MemoryDenyWriteExecute=yes" "CapabilityBoundingSet="
  "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "SystemCallFilter=@system-service"
  "ReadWritePaths=/var/log/iot-gateway /var/lib/iot-gateway" "LimitNOFILE=65536"
  "MemoryMax=1280M" "TasksMax=256" "LimitCORE=0"
  "ExecStart=/usr/local/bin/iot-gateway --config /etc/iot-gateway/gateway.toml"
)
for line in "${want[@]}"; do
  grep -qxF "$line" "$UNIT" || fail "unit lacks '$line'"
done
[ "$(grep -c '^ReadWritePaths=' "$UNIT")" = 1 ] || fail "more than one ReadWritePaths= line"
if grep -q '^AmbientCapabilities=.\+' "$UNIT"; then fail "unit grants ambient capabilities"; fi
pass "unit sets the ${#want[@]} required directives; writable paths are only the log and state dirs"
finish
