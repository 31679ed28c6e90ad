#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# setup_iptables.sh, for real: the ruleset is loaded into a network namespace that
# plays the gateway host; two client namespaces talk to it over veth pairs. Addresses
# are private and exist only inside these namespaces; nothing leaves the machine.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

need_root
need_cmd nft nftables
need_cmd nmap nmap
need_cmd ip iproute2
FW="$DEPLOY_DIR/setup_iptables.sh"

# Small limits so the test is quick; every one is a flag of the script.
CONN_LIMIT=4
SSH_BURST=3
FW_ARGS=(--gw-conn-limit "$CONN_LIMIT" --gw-rate 50 --gw-burst 100
  --ssh-rate 1 --ssh-burst "$SSH_BURST" --icmp-rate 1 --icmp-burst 3
  --scan-rate 6 --scan-burst 6 --scan-ban 5m)

new_netns SRV srv
new_netns C1 c1
new_netns C2 c2
link_netns "$SRV" 10.201.1.1/24 "$C1" 10.201.1.2/24
link_netns "$SRV" 10.201.2.1/24 "$C2" 10.201.2.2/24
add_addr "$SRV" v2 fd00:201:2::1/64
add_addr "$C2" v2p fd00:201:2::2/64

# The features the ruleset needs; a kernel without them is a reason to skip.
cat >"$T/probe.nft" <<'EOF'
table inet probe {
	set s { type ipv4_addr; flags dynamic, timeout; timeout 1m; }
	set c { type ipv4_addr; flags dynamic; }
	chain input { type filter hook input priority filter; policy accept;
		ct state new add @c { ip saddr ct count over 4 } reject with tcp reset
		update @s { ip saddr limit rate over 1/second } drop
	}
}
EOF
if ! ip netns exec "$SRV" nft -f "$T/probe.nft" 2>"$T/probe.err"; then
  skip "kernel lacks nftables conntrack/dynamic-set support: $(cat "$T/probe.err")"
fi
ip netns exec "$SRV" nft delete table inet probe

in_srv() { ip netns exec "$SRV" "$@"; }
ruleset_hash() { in_srv nft list ruleset | sha256sum | cut -d' ' -f1; }

# --- usage and modes that change nothing ------------------------------------------
expect_exit 2 bash "$FW" --bogus
expect_err_contains "unknown option"
expect_exit 2 bash "$FW" --gw-conn-limit many
expect_err_contains "--gw-conn-limit"
pass "bad flags exit 2 with a message naming the flag"

bash "$FW" "${FW_ARGS[@]}" --print >"$T/ruleset.nft"
grep -q 'policy drop' "$T/ruleset.nft" || fail "--print shows no default drop"
in_srv nft -c -f "$T/ruleset.nft" || fail "nft -c rejects the --print output"
pass "--print prints a ruleset nft accepts"

in_srv sysctl -qw net.ipv4.tcp_syncookies=0
before=$(ruleset_hash)
in_srv bash "$FW" "${FW_ARGS[@]}" --dry-run >"$T/dry.out"
[ "$(ruleset_hash)" = "$before" ] || fail "--dry-run changed the ruleset"
[ "$(in_srv sysctl -n net.ipv4.tcp_syncookies)" = 0 ] || fail "--dry-run changed tcp_syncookies"
grep -q 'would load' "$T/dry.out" || fail "--dry-run does not say it would load the ruleset"
grep -q 'would set net.ipv4.tcp_syncookies = 1' "$T/dry.out" || fail "--dry-run does not list the sysctl change"
pass "--dry-run lists the ruleset and the sysctl change and makes neither"

# --- apply, idempotence, atomic failure, rollback --------------------------------
in_srv bash "$FW" "${FW_ARGS[@]}" >"$T/apply.out" || fail "apply failed: $(cat "$T/apply.out")"
# (Output captured first: grep -q exiting early would SIGPIPE nft under pipefail.)
grep -q 'policy drop' <<<"$(in_srv nft list chain inet iot_gateway input)" || fail "no default drop after apply"
[ "$(in_srv sysctl -n net.ipv4.tcp_syncookies)" = 1 ] || fail "SYN cookies not on after apply"
pass "the ruleset loads (default drop inbound) and SYN cookies are on"

applied=$(ruleset_hash)
in_srv bash "$FW" "${FW_ARGS[@]}" >"$T/again.out"
[ "$(ruleset_hash)" = "$applied" ] || fail "second run changed the ruleset"
grep -q 'already current' "$T/again.out" || fail "second run does not say it is a no-op"
pass "a second run is a no-op"

echo 'tcp dport 9100 this is not nft' >"$T/bad.rules"
expect_exit 1 ip netns exec "$SRV" bash "$FW" "${FW_ARGS[@]}" --local-rules "$T/bad.rules"
expect_err_contains "nothing was changed"
[ "$(ruleset_hash)" = "$applied" ] || fail "a rejected ruleset left a partial change"
pass "a ruleset nft rejects changes nothing (atomic)"

expect_exit 1 ip netns exec "$SRV" bash "$FW" "${FW_ARGS[@]}" --gw-port 9443 --confirm 1 </dev/null
expect_err_contains "not confirmed"
[ "$(ruleset_hash)" = "$applied" ] || fail "unconfirmed ruleset was not rolled back"
pass "an unconfirmed new ruleset is rolled back to the previous one"

# --- traffic ----------------------------------------------------------------------
ip netns exec "$SRV" "$PY" "$NETTOOL" serve --ready "$T/srv.ready" --max-life 300 8443 22 &
track_pid $!
wait_for test -s "$T/srv.ready"

# DOS-1: CONN_LIMIT concurrent connections from c1 are accepted, the next is refused,
# while c2 still gets in.
ip netns exec "$C1" "$PY" "$NETTOOL" connect 10.201.1.1 8443 --count $((CONN_LIMIT + 1)) \
  --timeout 2 --hold-until "$T/release" --max-hold 30 >"$T/c1.out" &
c1_pid=$!
track_pid $c1_pid
wait_for grep -q '^ok=' "$T/c1.out"
grep -qx "ok=$CONN_LIMIT fail=1" "$T/c1.out" || fail "c1 connection limit: $(cat "$T/c1.out")"
grep -qx "$((CONN_LIMIT + 1)) fail.*" "$T/c1.out" || fail "it is not the $((CONN_LIMIT + 1))-th that failed: $(cat "$T/c1.out")"
ip netns exec "$C2" "$PY" "$NETTOOL" connect 10.201.2.1 8443 --count 2 --timeout 2 >"$T/c2.out"
grep -qx "ok=2 fail=0" "$T/c2.out" || fail "c2 refused while c1 is at its limit: $(cat "$T/c2.out")"
ip netns exec "$C2" "$PY" "$NETTOOL" connect fd00:201:2::1 8443 --count 1 --timeout 2 >"$T/c2v6.out"
grep -qx "ok=1 fail=0" "$T/c2v6.out" || fail "c2 over IPv6 refused: $(cat "$T/c2v6.out")"
touch "$T/release"
wait "$c1_pid" || true
pass "8443: connection $((CONN_LIMIT + 1)) from one source refused, another source (IPv4 and IPv6) served"

# SSH: SSH_BURST new connections pass, the rest of a quick burst is dropped.
ip netns exec "$C2" "$PY" "$NETTOOL" connect 10.201.2.1 22 --count 8 --close --timeout 0.8 >"$T/ssh.out"
# The burst passes (one more token may refill while the attempts run); the rest drop.
ssh_ok=$(sed -n 's/^ok=\([0-9]*\) .*/\1/p' "$T/ssh.out")
if [ "$ssh_ok" -lt "$SSH_BURST" ] || [ "$ssh_ok" -gt $((SSH_BURST + 1)) ]; then
  fail "SSH rate limit: $(cat "$T/ssh.out")"
fi
pass "SSH: beyond the rate limit ($SSH_BURST in a burst) new connections are dropped"

# ICMP: echo replies are rate-limited host-wide.
ip netns exec "$C2" "$PY" "$NETTOOL" ping 10.201.2.1 --count 20 --timeout 2 >"$T/ping.out"
replies=$(sed -n 's/^replies=//p' "$T/ping.out")
if [ "$replies" -lt 1 ] || [ "$replies" -gt 5 ]; then fail "ICMP echo limit: $replies of 20 answered"; fi
pass "ICMP echo rate-limited ($replies of 20 answered)"

# Port scan from c1: dropped within 60 s, then even 8443 is closed to it; c2 unaffected.
start=$SECONDS
ip netns exec "$C1" timeout 60 nmap -sT -Pn -n -p 1-200 --max-retries 0 --max-rtt-timeout 200ms \
  --host-timeout 55s 10.201.1.1 >"$T/nmap.out" 2>&1 &
nmap_pid=$!
track_pid $nmap_pid
banned=no
for _ in $(seq 1 120); do
  if in_srv nft get element inet iot_gateway scanners4 '{ 10.201.1.2 }' >/dev/null 2>&1; then
    banned=yes
    break
  fi
  [ $((SECONDS - start)) -lt 60 ] || break
  sleep 0.5
done
elapsed=$((SECONDS - start))
wait "$nmap_pid" || true
[ "$banned" = yes ] || fail "scanner not in the drop set after ${elapsed}s: $(cat "$T/nmap.out")"
[ "$elapsed" -le 60 ] || fail "scanner dropped only after ${elapsed}s"
ip netns exec "$C1" "$PY" "$NETTOOL" connect 10.201.1.1 8443 --count 1 --timeout 2 >"$T/c1after.out"
grep -qx "ok=0 fail=1" "$T/c1after.out" || fail "scanner can still reach 8443: $(cat "$T/c1after.out")"
ip netns exec "$C2" "$PY" "$NETTOOL" connect 10.201.2.1 8443 --count 1 --timeout 2 >"$T/c2after.out"
grep -qx "ok=1 fail=0" "$T/c2after.out" || fail "bystander lost access after the scan: $(cat "$T/c2after.out")"
pass "a port scan gets its source dropped within ${elapsed}s (limit 60 s); others unaffected"

# A re-run keeps the ban (the dynamic sets survive when the ruleset is current).
in_srv bash "$FW" "${FW_ARGS[@]}" >/dev/null
in_srv nft get element inet iot_gateway scanners4 '{ 10.201.1.2 }' >/dev/null 2>&1 ||
  fail "re-running the script dropped the current bans"
pass "re-running the script keeps current bans"

# --save writes the ruleset nftables.service can load at boot, once.
in_srv bash "$FW" "${FW_ARGS[@]}" --save "$T/saved.nft" >/dev/null
in_srv nft -c -f "$T/saved.nft" || fail "the saved ruleset does not load"
saved=$(stat -c '%Y %s' "$T/saved.nft")
sleep 1.1
in_srv bash "$FW" "${FW_ARGS[@]}" --save "$T/saved.nft" >"$T/save2.out"
[ "$(stat -c '%Y %s' "$T/saved.nft")" = "$saved" ] || fail "a second --save rewrote an identical file"
pass "--save writes a loadable ruleset file, and leaves it alone when unchanged"

# Changed limits replace the table: SSH now only from c2's network.
in_srv bash "$FW" "${FW_ARGS[@]}" --ssh-from 10.201.2.0/24 >/dev/null
ip netns exec "$C1" "$PY" "$NETTOOL" connect 10.201.1.1 22 --count 1 --close --timeout 1 >"$T/sshc1.out"
grep -qx "ok=0 fail=1" "$T/sshc1.out" || fail "--ssh-from: c1 still reaches SSH: $(cat "$T/sshc1.out")"
ip netns exec "$C2" "$PY" "$NETTOOL" connect 10.201.2.1 22 --count 1 --close --timeout 1 >"$T/sshc2.out"
grep -qx "ok=1 fail=0" "$T/sshc2.out" || fail "--ssh-from: c2 cannot reach SSH: $(cat "$T/sshc2.out")"
pass "--ssh-from admits SSH from the listed network only"

finish
