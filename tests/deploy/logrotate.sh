#!/usr/bin/env bash
# logrotate/iot-gateway: `logrotate -d` accepts it, and a real forced rotation (in a
# private mount + PID namespace, so /var/log, /etc/passwd and the processes it sees
# are the test's own) renames the audit log, recreates it 0640 for the service
# account, and sends SIGUSR1 to the process called iot-gateway (the reopen signal).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

need_root
need_cmd logrotate logrotate
need_cmd unshare util-linux
need_cmd pkill procps
CONF="$DEPLOY_DIR/logrotate/iot-gateway"
[ -f "$CONF" ] || fail "missing $CONF"

# The account the file names, in a private copy of the user database.
mkdir -p "$T/etc" "$T/conf" "$T/fakebin"
cp /etc/passwd "$T/etc/passwd"
cp /etc/group "$T/etc/group"
if ! grep -q '^iot-gateway:' "$T/etc/passwd"; then
  echo 'iot-gateway:x:64990:64990:iot-gateway:/nonexistent:/usr/sbin/nologin' >>"$T/etc/passwd"
  echo 'iot-gateway:x:64990:' >>"$T/etc/group"
fi
install -m 0644 "$CONF" "$T/conf/iot-gateway"
chmod 0711 "$T"  # the stand-in below runs as the service account

# A stand-in for the gateway: same process name, records each SIGUSR1 it gets. When
# the real binary exists this still stands in: the real one needs a full PKI to run.
# The shebang names bash directly: through env the process would be called "bash".
cat >"$T/fakebin/iot-gateway" <<'EOF'
#!/bin/bash
trap 'echo usr1 >>"$1"' USR1
echo started >>"$1"
for _ in $(seq 1 600); do sleep 0.1; done
EOF
chmod 0755 "$T/fakebin/iot-gateway"

cat >"$T/inner.sh" <<'EOF'
#!/usr/bin/env bash
# Runs as PID 1 of a fresh PID namespace with a private mount namespace.
set -euo pipefail
T=$1
mount -t tmpfs tmpfs /var/log
[ -d /run/systemd ] && mount -t tmpfs tmpfs /run/systemd
mount --bind "$T/etc/passwd" /etc/passwd
mount --bind "$T/etc/group" /etc/group
install -d -m 0750 -o iot-gateway -g iot-gateway /var/log/iot-gateway
printf '{"ts":"2026-01-01T00:00:00.000Z","seq":1,"event":"JWT_OK","outcome":"success","remote_ip":"192.0.2.1","prev":""}\n' >/var/log/iot-gateway/audit.log
chown iot-gateway:iot-gateway /var/log/iot-gateway/audit.log
chmod 0640 /var/log/iot-gateway/audit.log

echo "== logrotate -d"
logrotate -d -s "$T/state" "$T/conf/iot-gateway" >"$T/debug.out" 2>&1 || { cat "$T/debug.out"; exit 11; }
if grep -qi 'error' "$T/debug.out"; then cat "$T/debug.out"; exit 12; fi

# Started as the service account, like the real unit (User=iot-gateway).
install -d -m 0700 -o iot-gateway -g iot-gateway "$T/sig"
setpriv --reuid=iot-gateway --regid=iot-gateway --clear-groups "$T/fakebin/iot-gateway" "$T/sig/signals" &
fake=$!
for _ in $(seq 1 50); do [ -s "$T/sig/signals" ] && break; sleep 0.1; done

echo "== logrotate -f"
logrotate -f -v -s "$T/state" "$T/conf/iot-gateway" >"$T/force.out" 2>&1 || { cat "$T/force.out"; exit 13; }
for _ in $(seq 1 50); do grep -q usr1 "$T/sig/signals" && break; sleep 0.1; done
kill "$fake" 2>/dev/null || true
ls -ln /var/log/iot-gateway >"$T/after.ls"
stat -c '%a %U %G %s' /var/log/iot-gateway/audit.log >"$T/after.stat"
cat /var/log/iot-gateway/audit.log-* >"$T/rotated.content" 2>/dev/null || true
cp "$T/sig/signals" "$T/signals"
EOF

unshare --mount --pid --fork --mount-proc bash "$T/inner.sh" "$T" >"$T/inner.out" 2>&1 ||
  fail "rotation run failed (status $?): $(cat "$T/inner.out" "$T/debug.out" "$T/force.out" 2>/dev/null)"
pass "logrotate -d accepts the file (no error, user and paths resolve)"

read -r mode owner group size <"$T/after.stat"
[ "$mode $owner $group $size" = "640 iot-gateway iot-gateway 0" ] ||
  fail "new audit.log is '$mode $owner $group $size', want 640 iot-gateway iot-gateway 0"
grep -q '"seq":1' "$T/rotated.content" || fail "rotated file lost the old lines: $(cat "$T/after.ls")"
pass "forced rotation keeps the old lines and recreates audit.log 0640 iot-gateway:iot-gateway"

[ "$(grep -c usr1 "$T/signals")" = 1 ] || fail "the gateway got $(grep -c usr1 "$T/signals") SIGUSR1, want 1: $(cat "$T/force.out")"
pass "postrotate sends exactly one SIGUSR1 to the gateway (reopen)"
finish
