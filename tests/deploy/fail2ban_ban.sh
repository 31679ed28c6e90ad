#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shipped jail with a real fail2ban-server, fed audit records in the gateway's
# format (audit_log.py) so the timing cases can be staged: 4 failure records in 60 s
# do not ban, the 5th does, within seconds, and the ban is a real nftables drop for that client
# while another client keeps working. Success records and old failures ban no one.
#
# The server runs inside a network namespace (its nftables action changes only that
# namespace) with a private configuration directory (-c): never /etc/fail2ban, whose
# Debian jails would act on the host. Socket, pidfile, database and log are in $T.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

need_root
need_cmd fail2ban-server fail2ban
need_cmd fail2ban-client fail2ban
need_cmd nft nftables
AUDIT="$DEPLOY_TESTS/audit_log.py"

new_netns SRV srv
new_netns C1 c1
new_netns C2 c2
link_netns "$SRV" 10.202.1.1/24 "$C1" 10.202.1.2/24
link_netns "$SRV" 10.202.2.1/24 "$C2" 10.202.2.2/24
add_addr "$SRV" v2 fd00:202:2::1/64
add_addr "$C2" v2p fd00:202:2::2/64
if ! ip netns exec "$SRV" nft add table inet probe 2>"$T/probe.err"; then
  skip "kernel lacks nftables: $(cat "$T/probe.err")"
fi
ip netns exec "$SRV" nft delete table inet probe

LOG="$T/audit.log"
: >"$LOG"
f2b_config "$LOG"

connects() {  # NS ADDR : one TCP connection to the gateway port succeeds
  grep -qx 'ok=1 fail=0' <<<"$(ip netns exec "$1" "$PY" "$NETTOOL" connect "$2" 8443 --count 1 --timeout 2)"
}
ip netns exec "$SRV" "$PY" "$NETTOOL" serve --ready "$T/srv.ready" --max-life 300 8443 &
track_pid $!
wait_for test -s "$T/srv.ready"

# Already in the log when the server starts: records a ban must ignore (successes, a
# bystander's failures whose own ts is 2 h old although the file was written just
# now, trust-material failures without a client), then one fresh failure from an
# address of no interest, whose "Found" marks the end of the start-up read.
"$PY" "$AUDIT" append "$LOG" --event TOKEN_ISSUED --outcome success --ip 10.202.2.2 --count 8
"$PY" "$AUDIT" append "$LOG" --event JWT_OK --outcome success --ip 10.202.2.2 --count 8
"$PY" "$AUDIT" append "$LOG" --event JWT_BAD_SIGNATURE --outcome failure --ip 10.202.2.2 --count 10 --age 7200
"$PY" "$AUDIT" append "$LOG" --event CRL_REJECTED --outcome failure --ip "" --count 3
"$PY" "$AUDIT" append "$LOG" --event AUTH_NO_CERT --outcome failure --ip 10.202.9.9

f2b_start "$SRV" "$LOG"
pass "fail2ban-server runs the shipped jail from a private config dir"

wait_for found_at_least 10.202.9.9 1
sleep 1.5 # the reader has reached the end: from now on it follows the file live
[ "$(found 10.202.2.2)" = 0 ] || fail "success or 2-hour-old records counted: $(grep Found "$T/f2b.log")"
pass "successes and failures whose ts is 2 h old (file written now) are not counted"

# The window is judged on each record's ts. Four failures stamped 50 s ago, then one
# more 25 s later: by read time that is 5 within 60 s, by ts the first four are 75 s
# before the fifth (fail2ban scales them to 3 per 60 s), so no ban. (fail2ban treats a
# live line whose ts is more than 60 s off the clock as "now", a clock-skew guard.)
"$PY" "$AUDIT" append "$LOG" --event AUTH_NO_CERT --outcome failure --ip 10.202.3.3 --count 4 --age 50
wait_for found_at_least 10.202.3.3 4
sleep 25
"$PY" "$AUDIT" append "$LOG" --event JWT_MALFORMED --outcome failure --ip 10.202.3.3
wait_for found_at_least 10.202.3.3 5
sleep 1.5
if banned 10.202.3.3; then fail "banned for failures spread over 75 s by their ts: $(grep -E "Found|Ban|WARN" "$T/f2b.log")"; fi
pass "failures whose own ts spread over more than 60 s do not add up to a ban"

# Four failures from c1 now: one short of the threshold.
"$PY" "$AUDIT" append "$LOG" --event AUTH_NO_CERT --outcome failure --ip 10.202.1.2 --count 2
"$PY" "$AUDIT" append "$LOG" --event JWT_EXPIRED --outcome failure --ip 10.202.1.2 --count 2
wait_for found_at_least 10.202.1.2 4
sleep 2 # two more polls: nothing else may arrive
[ "$(found 10.202.1.2)" = 4 ] || fail "want 4 failures seen for c1, got $(found 10.202.1.2)"
if banned 10.202.1.2 || banned 10.202.2.2; then fail "banned before 5 failures: $(f2b status iot-gateway)"; fi
connects "$C1" 10.202.1.1 || fail "c1 cannot connect before any ban"
pass "4 failures within 60 s: no ban"

start=$SECONDS
"$PY" "$AUDIT" append "$LOG" --event JWT_BAD_ALG --outcome failure --ip 10.202.1.2
wait_for banned 10.202.1.2
elapsed=$((SECONDS - start))
# The action runs just after the ban is recorded; give it a bounded moment.
wait_for in_set "$SRV" addr-set-iot-gateway 10.202.1.2
if connects "$C1" 10.202.1.1; then fail "banned client still connects to 8443"; fi
connects "$C2" 10.202.2.1 || fail "bystander c2 lost access"
pass "5th failure: c1 banned in ${elapsed}s and refused by nftables; c2 still served"

# IPv6 clients are banned the same way (the set for IPv6 addresses).
"$PY" "$AUDIT" append "$LOG" --event CERT_REVOKED --outcome failure --ip fd00:202:2::2 --count 5
wait_for banned fd00:202:2::2
wait_for in_set "$SRV" addr6-set-iot-gateway fd00:202:2::2
if connects "$C2" fd00:202:2::1; then fail "banned IPv6 client still connects"; fi
connects "$C2" 10.202.2.1 || fail "c2's IPv4 address lost access with its IPv6 ban"
pass "5 failures from an IPv6 client ban that address"

f2b stop >/dev/null 2>&1 || true
finish
