#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# [audit] syslog = "tls://…" (SPEC §10) against a real rsyslogd with its gtls driver
# (private config, private CA made with openssl, loopback port, stopped by PID): every
# record of the run arrives over TLS; a collector whose certificate does not chain to
# syslog_ca receives nothing (the gateway keeps serving and counts the records as
# queued, not sent).
# Fails before the change: the baseline refuses the syslog keys (unknown key, exit 78).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

command -v rsyslogd >/dev/null || PATH=$PATH:/usr/sbin
command -v rsyslogd >/dev/null || fail "rsyslogd not installed (Debian package rsyslog)"
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ] || ls /usr/lib/*/rsyslog/lmnsd_gtls.so >/dev/null 2>&1 ||
  fail "rsyslog's gtls driver missing (Debian package rsyslog-gnutls)"
TOOL=$GWT_SRC/audit_tool.py

# A private CA and the collector's certificate for 127.0.0.1; a second, unrelated CA.
RS=$T/rsyslog
mkdir -p "$RS/work"
mkca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=$1" -keyout "$RS/$1.key" -out "$RS/$1.pem" 2>/dev/null
}
mkca syslog-ca
mkca other-ca
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$RS/server.key" -out "$RS/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$RS/ext.cnf"
openssl x509 -req -in "$RS/server.csr" -CA "$RS/syslog-ca.pem" -CAkey "$RS/syslog-ca.key" \
  -CAcreateserial -days 2 -extfile "$RS/ext.cnf" -out "$RS/server.pem" 2>/dev/null

RS_PORT=$(free_port)
cat >"$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k"
       DefaultNetstreamDriver="gtls"
       DefaultNetstreamDriverCAFile="$RS/syslog-ca.pem"
       DefaultNetstreamDriverCertFile="$RS/server.pem"
       DefaultNetstreamDriverKeyFile="$RS/server.key")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
template(name="rawmsg" type="string" string="%msg%\n")
ruleset(name="audit") {
  action(type="omfile" file="$RS/out.log" template="rawmsg" flushOnTXEnd="on" asyncWriting="off")
}
input(type="imtcp" address="127.0.0.1" port="$RS_PORT" ruleset="audit")
CONF
rs_listening() { "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $RS_PORT), 1).close()"; }
rsyslogd -n -f "$RS/rsyslog.conf" -i "$RS/rsyslog.pid" 2>>"$RS/rsyslogd.err" &
RS_PID=$!
track_pid "$RS_PID"
wait_for rs_listening

gw_pki
gw_device dev-1
iot-gateway audit key new --out "$GW/ckpt.key" >/dev/null

run_gateway() {  # run_gateway CA_FILE: a short run forwarding to the collector
  gw_config
  cat >>"$GW/gateway.toml" <<TOML
checkpoint_key = "ckpt.key"
checkpoint_every = 5
syslog = "tls://127.0.0.1:$RS_PORT"
syslog_ca = "$1"
TOML
  gw_start_backend
  gw_start
  for _ in $(seq 1 6); do expect_status 200 dev_curl dev-1 -X POST "$(URL /auth/token)"; done
  expect_audit TOKEN_ISSUED "$2"
}

run_gateway "$RS/syslog-ca.pem" 6
gw_stop
kill "$BE_PID"
N=$(wc -l <"$GW/audit.log")
for _ in $(seq 1 100); do
  [ "$(grep -c . "$RS/out.log" 2>/dev/null || echo 0)" -ge "$N" ] && break
  sleep 0.1
done
"$PY" "$TOOL" compare "$GW/audit.log" "$RS/out.log" >"$T/cmp.out" || fail "$(cat "$T/cmp.out")"
grep -q "^$N of $N records at the collector" "$T/cmp.out" || fail "$(cat "$T/cmp.out")"
pass "tls://: rsyslog (gtls, private CA) received every record of the run ($N lines)"

# The same collector, but syslog_ca is another CA: nothing is sent, the gateway serves.
BEFORE=$(grep -c . "$RS/out.log")
mv "$GW/audit.log" "$T/first.log"
run_gateway "$RS/other-ca.pem" 6
metric() { gw_curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
[ "$(metric iot_gateway_audit_syslog_connected)" = 0 ] || fail "connected to a collector outside syslog_ca"
[ "$(metric iot_gateway_audit_syslog_sent_total)" = 0 ] || fail "records sent to an unverified collector"
grep -q "syslog: TLS handshake with 127.0.0.1:$RS_PORT failed" "$T/gateway.err" ||
  fail "no TLS failure on stderr: $(tail -5 "$T/gateway.err")"
gw_stop
[ "$(grep -c . "$RS/out.log")" = "$BEFORE" ] || fail "the collector received records over an unverified connection"
pass "tls:// with a syslog_ca the collector's certificate does not chain to: nothing sent, gateway served 6 tokens"

finish
