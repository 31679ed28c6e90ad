#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# logrotate/iot-gateway with a real gateway: `logrotate -d` accepts the file, and a
# forced rotation renames the audit log, recreates it 0640 for the service account and
# signals the gateway (SIGUSR1), which then writes to the new file; the hash chain runs
# on across the two files (`iot-gateway audit verify` on both, in order).
#
# Everything happens in a private mount and PID namespace: /var/log is a tmpfs,
# /etc/passwd and /etc/group are copies holding the iot-gateway account, and the only
# processes pkill can see are the test's own. The gateway runs as that account, on
# loopback.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

need_root
need_cmd logrotate logrotate
need_cmd unshare util-linux
need_cmd setpriv util-linux
need_cmd pkill procps
need_cmd curl curl
have_gateway || fail "$IOTPKI_BIN/iot-gateway and iot-ca must be built for this test"
CONF="$DEPLOY_DIR/logrotate/iot-gateway"
[ -f "$CONF" ] || fail "missing $CONF"

# The account the file names, in a private copy of the user database.
mkdir -p "$T/etc" "$T/conf"
cp /etc/passwd "$T/etc/passwd"
cp /etc/group "$T/etc/group"
if ! grep -q '^iot-gateway:' "$T/etc/passwd"; then
  echo 'iot-gateway:x:64990:64990:iot-gateway:/nonexistent:/usr/sbin/nologin' >>"$T/etc/passwd"
  echo 'iot-gateway:x:64990:' >>"$T/etc/group"
fi
install -m 0644 "$CONF" "$T/conf/iot-gateway"
chmod 0711 "$T" # the gateway below runs as the service account

port=$(free_port)
gw_setup "$T/gw" "127.0.0.1:$port"
sed -i 's|^path = "audit.log"|path = "/var/log/iot-gateway/audit.log"|' "$T/gw/gateway.toml"
grep -q '^path = "/var/log/iot-gateway/audit.log"' "$T/gw/gateway.toml" || fail "could not set the audit path"

cat >"$T/inner.sh" <<'EOF'
#!/usr/bin/env bash
# PID 1 of a fresh PID namespace, with a private mount namespace.
set -euo pipefail
T=$1 PORT=$2
L=/var/log/iot-gateway
mount -t tmpfs tmpfs /var/log
if [ -d /run/systemd ]; then mount -t tmpfs tmpfs /run/systemd; fi
mount --bind "$T/etc/passwd" /etc/passwd
mount --bind "$T/etc/group" /etc/group
install -d -m 0750 -o iot-gateway -g iot-gateway "$L"
chown -R iot-gateway:iot-gateway "$T/gw"

setpriv --reuid=iot-gateway --regid=iot-gateway --clear-groups \
  iot-gateway --config "$T/gw/gateway.toml" 2>"$T/gw.stderr" &
gw=$!
trap 'kill "$gw" 2>/dev/null || true; wait "$gw" 2>/dev/null || true' EXIT
no_cert() {
  curl -s -o /dev/null --max-time 5 --cacert "$T/gw/trust/ca-bundle.pem" \
    --resolve "localhost:$PORT:127.0.0.1" -X POST "https://localhost:$PORT/auth/token" || true
}
for _ in $(seq 1 100); do grep -q CRL_LOADED "$L/audit.log" 2>/dev/null && break; sleep 0.1; done
grep -q CRL_LOADED "$L/audit.log" || { echo "gateway did not start: $(cat "$T/gw.stderr")"; exit 10; }
no_cert
for _ in $(seq 1 50); do grep -q AUTH_NO_CERT "$L/audit.log" && break; sleep 0.1; done
stat -c '%a %U %G' "$L/audit.log" >"$T/before.stat"

echo "== logrotate -d"
logrotate -d -s "$T/state" "$T/conf/iot-gateway" >"$T/debug.out" 2>&1 || { cat "$T/debug.out"; exit 11; }
if grep -qi 'error' "$T/debug.out"; then cat "$T/debug.out"; exit 12; fi
[ -z "$(find "$L" -name 'audit.log-*')" ] || { echo "logrotate -d rotated something"; exit 13; }

echo "== logrotate -f"
logrotate -f -v -s "$T/state" "$T/conf/iot-gateway" >"$T/force.out" 2>&1 || { cat "$T/force.out"; exit 14; }
stat -c '%a %U %G %s' "$L/audit.log" >"$T/after.stat"
# New records must reach the new file once the gateway has reopened (bounded).
for _ in $(seq 1 40); do
  no_cert
  grep -q AUTH_NO_CERT "$L/audit.log" && break
  sleep 0.25
done
kill -TERM "$gw"
wait "$gw" || { echo "gateway exit status $? on SIGTERM"; exit 15; }
trap - EXIT
cp "$L"/audit.log-* "$T/rotated.log"
cp "$L/audit.log" "$T/current.log"
ls -ln "$L" >"$T/after.ls"
EOF

unshare --mount --pid --fork --mount-proc bash "$T/inner.sh" "$T" "$port" >"$T/inner.out" 2>&1 ||
  fail "rotation run failed: $(cat "$T/inner.out" "$T/gw.stderr" 2>/dev/null)"
pass "logrotate -d accepts the file (no error; user and paths resolve; nothing rotated)"

[ "$(cat "$T/before.stat")" = "640 iot-gateway iot-gateway" ] ||
  fail "the gateway's own audit.log is $(cat "$T/before.stat")"
read -r mode owner group _ <"$T/after.stat"
[ "$mode $owner $group" = "640 iot-gateway iot-gateway" ] ||
  fail "new audit.log is '$mode $owner $group', want 640 iot-gateway iot-gateway"
grep -q '"event":"AUTH_NO_CERT"' "$T/rotated.log" || fail "rotated file lost the old records: $(cat "$T/after.ls")"
pass "forced rotation keeps the old records and recreates audit.log 0640 iot-gateway:iot-gateway"

grep -q '"event":"AUTH_NO_CERT"' "$T/current.log" ||
  fail "after rotation the gateway did not write to the new audit.log (no reopen): $(cat "$T/force.out")"
pass "postrotate's SIGUSR1 makes the gateway reopen: new records go to the new file"

cat "$T/rotated.log" "$T/current.log" >"$T/chain.log"
iot-gateway audit verify "$T/chain.log" >"$T/verify.out" 2>&1 ||
  fail "hash chain broken across the rotation: $(cat "$T/verify.out")"
pass "the audit hash chain continues across the rotated and the new file"
finish
