#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end (SPEC §7 "> N failures from one IP → ban"): a real iot-gateway runs in a
# server namespace on 8443; a client namespace makes requests without a client
# certificate; the gateway writes AUTH_NO_CERT records; a real fail2ban-server with the
# shipped jail and filter reads that audit log and, at the 5th failure within 60 s,
# bans the client in nftables: its next connection is refused, while a device in a
# second namespace still gets its token.
#
# fail2ban runs with a private configuration directory (never /etc/fail2ban) inside
# the server namespace, so its nftables table exists only there.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

need_root
need_cmd fail2ban-server fail2ban
need_cmd nft nftables
need_cmd curl curl
have_gateway || fail "$IOTPKI_BIN/iot-gateway and iot-ca must be built for this test"

new_netns SRV srv
new_netns C1 c1
new_netns C2 c2
link_netns "$SRV" 10.203.1.1/24 "$C1" 10.203.1.2/24
link_netns "$SRV" 10.203.2.1/24 "$C2" 10.203.2.2/24
if ! ip netns exec "$SRV" nft add table inet probe 2>"$T/probe.err"; then
  skip "kernel lacks nftables: $(cat "$T/probe.err")"
fi
ip netns exec "$SRV" nft delete table inet probe

G="$T/gw"
gw_setup "$G" "0.0.0.0:8443"
LOG="$G/audit.log"
ip netns exec "$SRV" iot-gateway --config "$G/gateway.toml" 2>"$G/stderr" &
track_pid $!

# curl from a client namespace: prints the HTTP status ("000" when it cannot connect).
req() {  # NS SERVER_ADDR CURL_ARGS...
  local ns=$1 addr=$2
  shift 2
  ip netns exec "$ns" curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    --cacert "$G/trust/ca-bundle.pem" --resolve "localhost:8443:$addr" "$@" || true
}
healthy() { [ "$(req "$C1" 10.203.1.1 https://localhost:8443/healthz)" = 200 ]; }
wait_for healthy
wait_for test -s "$LOG" # the gateway's first record (its CRL load)

f2b_config "$LOG"
f2b_start "$SRV" "$LOG"
pass "gateway and fail2ban (shipped jail, private config) run in the server namespace"

no_cert() { req "$C1" 10.203.1.1 -X POST https://localhost:8443/auth/token; }
for i in 1 2 3 4; do
  code=$(no_cert)
  [ "$code" = 401 ] || fail "request $i without a client certificate: HTTP $code, want 401"
done
wait_for found_at_least 10.203.1.2 4
sleep 2 # two more polls
if banned 10.203.1.2; then fail "banned after 4 failures: $(f2b status iot-gateway)"; fi
pass "4 requests without a client certificate: 401 each, 4 AUTH_NO_CERT records, no ban"

start=$SECONDS
code=$(no_cert)
[ "$code" = 401 ] || fail "5th request: HTTP $code, want 401"
wait_for banned 10.203.1.2
wait_for in_set "$SRV" addr-set-iot-gateway 10.203.1.2
elapsed=$((SECONDS - start))
[ "$(grep -c '"event":"AUTH_NO_CERT","outcome":"failure","remote_ip":"10.203.1.2"' "$LOG")" = 5 ] ||
  fail "gateway log does not hold exactly 5 AUTH_NO_CERT failures for c1: $(cat "$LOG")"
code=$(no_cert)
[ "$code" = 000 ] || fail "banned client still reaches the gateway (HTTP $code)"
pass "5th failure: c1 banned by fail2ban in ${elapsed}s; its next connection is refused"

code=$(req "$C2" 10.203.2.1 --cert "$G/dev/dev-1.crt" --key "$G/dev/dev-1.key" -X POST https://localhost:8443/auth/token)
[ "$code" = 200 ] || fail "device in c2 gets HTTP $code, want 200"
if banned 10.203.2.2; then fail "the device's successful request got it banned"; fi
pass "a device from another address still gets its token (200)"

f2b stop >/dev/null 2>&1 || true
finish
