#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The gauges of issue 15 on /metrics, checked against real values:
#  * iot_gateway_build_info{version,commit,openssl} 1: the version and the commit
#    `iot-gateway --version` prints and the OpenSSL version `openssl version` prints
#    (fails before the commit label: the baseline has version and openssl only);
#  * process_*: RSS as `ps` reports it, open fds as /proc/PID/fd lists them, max fds as
#    /proc/PID/limits says, the start time between the test's start and now, CPU seconds;
#  * iot_gateway_cert_expiry_seconds{kind="ca"} for every certificate of the bundle and
#    {kind="server"} for the server certificate match `openssl x509 -enddate`;
#    {kind="jwt_key"}: +Inf for the signing key, and after a rotation (new key + SIGHUP)
#    the old key's value is the new key's file time + jwt.ttl + jwt.leeway - now.
# The scrape passes `promtool check metrics`.
# Fails before the fix: the baseline exports none of these series.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

STARTED=$(date +%s)
gw_pki
GW_TTL=1h gw_config
gw_start_backend
gw_start

scrape() {
  curl -sS --max-time "$CURL_MAX" "http://127.0.0.1:$METRICS_PORT/metrics" >"$T/metrics" ||
    fail "cannot scrape /metrics"
}
scrape
promtool check metrics <"$T/metrics" >"$T/promtool.out" 2>&1 ||
  fail "promtool check metrics: $(cat "$T/promtool.out")"

# Each CA of the bundle and the server certificate: "serial enddate-epoch".
csplit -s -z -f "$T/ca-" "$GW/trust/ca-bundle.pem" '/-----BEGIN CERTIFICATE-----/' '{*}'
: >"$T/certs"
for f in "$T"/ca-*; do
  echo "ca $(openssl x509 -in "$f" -noout -serial | cut -d= -f2) $(date -d "$(openssl x509 -in "$f" -noout -enddate | cut -d= -f2)" +%s)" >>"$T/certs"
done
echo "server $(serial_of "$GW/server.crt") $(date -d "$(openssl x509 -in "$GW/server.crt" -noout -enddate | cut -d= -f2)" +%s)" >>"$T/certs"
[ "$(grep -c '^ca ' "$T/certs")" -ge 2 ] || fail "expected root and issuing CA in the bundle"

version=$(iot-gateway --version | awk 'NR == 1 {print $2}')
commit=$(iot-gateway --version | awk '$1 == "commit" {print $2}')
[ -n "$commit" ] || fail "iot-gateway --version prints no commit line"
ossl=$(openssl version | awk '{print $2}')
"$PY" - "$T/metrics" "$T/certs" "$GW_PID" "$STARTED" "$version" "$ossl" "$commit" <<'PY' || fail "gauges: see above"
import re, sys, time, os
metrics, certs, pid, started, version, ossl, commit = sys.argv[1:]
series = {}
for line in open(metrics):
    if line.startswith("#") or not line.strip():
        continue
    name, value = line.rsplit(" ", 1)
    series[name] = float(value)
def one(prefix):
    hits = [v for k, v in series.items() if k.startswith(prefix)]
    assert len(hits) == 1, (prefix, hits)
    return hits[0]
now = time.time()
assert series.get('iot_gateway_build_info{version="%s",commit="%s",openssl="%s"}' % (version, commit, ossl)) == 1, \
    [k for k in series if k.startswith("iot_gateway_build_info")]
rss_kib = int(open(f"/proc/{pid}/status").read().split("VmRSS:")[1].split()[0])
rss = one("process_resident_memory_bytes")
assert abs(rss - rss_kib * 1024) < 0.2 * rss_kib * 1024, (rss, rss_kib)
fds = len(os.listdir(f"/proc/{pid}/fd"))
assert abs(one("process_open_fds") - fds) <= 3, (one("process_open_fds"), fds)
soft = [l for l in open(f"/proc/{pid}/limits") if l.startswith("Max open files")][0].split()[3]
assert one("process_max_fds") == float(soft), (one("process_max_fds"), soft)
st = one("process_start_time_seconds")
assert float(started) - 2 <= st <= now + 1, (st, started, now)
cpu = one("process_cpu_seconds_total")
assert 0 < cpu < (now - float(started)) * 4, cpu
for line in open(certs):
    kind, serial, end = line.split()
    got = [v for k, v in series.items() if k.startswith('iot_gateway_cert_expiry_seconds{kind="%s"' % kind) and 'serial="%s"' % serial in k]
    assert len(got) == 1, (kind, serial, [k for k in series if "expiry" in k])
    assert abs(got[0] - (int(end) - now)) < 10, (kind, serial, got[0], int(end) - now)
jwt = [v for k, v in series.items() if 'kind="jwt_key"' in k]
assert jwt == [float("inf")], jwt
PY
pass "build_info, process_* and the CA / server certificate expiry gauges match the real values"

# Rotation: a new key signs, the old one is needed until new file time + ttl + leeway.
old_kid=$(basename "$(ls "$GW"/jwt/*.key)" .key)
sleep 1.1
iot-gateway jwt-key new --dir "$GW/jwt" >/dev/null
new_file=$(ls -t "$GW"/jwt/*.key | head -1)
new_mtime=$(stat -c %Y "$new_file")
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do
  scrape
  [ "$(grep -c 'kind="jwt_key"' "$T/metrics")" -eq 2 ] && break
  sleep 0.2
done
"$PY" - "$T/metrics" "$old_kid" "$new_mtime" <<'PY' || fail "jwt_key gauges after a rotation"
import sys, time
metrics, old_kid, new_mtime = sys.argv[1], sys.argv[2], int(sys.argv[3])
vals = {}
for line in open(metrics):
    if line.startswith('iot_gateway_cert_expiry_seconds{kind="jwt_key"'):
        name, value = line.rsplit(" ", 1)
        vals[name.split('kid="')[1].split('"')[0]] = float(value)
assert len(vals) == 2, vals
want = new_mtime + 3600 + 0 - time.time()  # jwt.ttl 1h, leeway 0s (tests/gateway/lib.sh)
assert abs(vals[old_kid] - want) < 5, (vals, want)
assert [v for k, v in vals.items() if k != old_kid] == [float("inf")], vals
PY
pass "after a rotation the old JWT key's gauge counts down to successor time + ttl + leeway"

gw_stop
finish
