#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# setup_iptables.sh — the iot-gateway host firewall (nftables), applied atomically.
#
# One nftables table, `inet iot_gateway`, covering IPv4 and IPv6:
#   * inbound default drop; loopback and established/related traffic accepted;
#   * the gateway port (8443) open, with a per-source new-connection rate limit and a
#     per-source concurrent-connection limit (threat model DOS-1; IPv6 per /64);
#   * SSH open but rate-limited per source (optionally only from --ssh-from networks);
#   * ICMP echo rate-limited, ICMP errors and IPv6 neighbour discovery accepted;
#   * port-scan detection: a source that keeps probing closed ports (or sends stealth
#     scan packets: NULL/FIN/Xmas, non-SYN new connections) is put in a timed set and
#     every packet from it is dropped until the entry expires;
#   * forwarding dropped (the gateway host is not a router);
#   * SYN cookies on (net.ipv4.tcp_syncookies=1).
#
# The table is replaced in one `nft -f` transaction: the kernel applies all of it or
# none of it. Other tables (fail2ban's `f2b-table`, a container runtime's) are left
# alone. The previous table is saved first and put back if the new one does not verify,
# or if --confirm is given and nobody confirms in time.
#
# Idempotent: the table carries the SHA-256 of the rules it was built from; when the
# loaded table already has the wanted hash, nothing is touched (so the scan bans and
# connection counters in the dynamic sets survive a re-run).
set -euo pipefail

readonly PROG=${0##*/}
readonly TABLE=iot_gateway

usage() {
  cat <<EOF
Usage: $PROG [options]

Builds the iot-gateway nftables ruleset and loads it atomically (needs root).

Modes:
  --print                 print the ruleset and exit (changes nothing, no root needed)
  --dry-run               print every change that would be made and make none
  --confirm SECONDS       after applying, wait for "yes" on stdin; otherwise roll back
  --save FILE             also write the ruleset to FILE (for nftables.service to load)
  -h, --help              this text

Limits (flag, or the environment variable in brackets; defaults shown):
  --gw-port N             gateway TLS port [IOTGW_GW_PORT] (8443)
  --gw-conn-limit N       concurrent connections per source to the gateway port
                          [IOTGW_GW_CONN_LIMIT] (64, as max_connections_per_ip)
  --gw-rate N             new gateway connections per second per source
                          [IOTGW_GW_RATE] (20)
  --gw-burst N            burst for --gw-rate [IOTGW_GW_BURST] (40)
  --ssh-port N            SSH port [IOTGW_SSH_PORT] (22)
  --ssh-rate N            new SSH connections per minute per source [IOTGW_SSH_RATE] (6)
  --ssh-burst N           burst for --ssh-rate [IOTGW_SSH_BURST] (6)
  --ssh-from CIDR         accept SSH only from CIDR (repeatable; IPv4 or IPv6)
                          [IOTGW_SSH_FROM, space separated] (anywhere)
  --icmp-rate N           ICMP echo requests per second, host-wide [IOTGW_ICMP_RATE] (5)
  --icmp-burst N          burst for --icmp-rate [IOTGW_ICMP_BURST] (10)
  --scan-rate N           closed-port probes per minute per source before it counts as
                          a scan [IOTGW_SCAN_RATE] (10)
  --scan-burst N          probes allowed in a burst [IOTGW_SCAN_BURST] (10)
  --scan-ban DURATION     how long a scanning source is dropped, e.g. 10m, 1h
                          [IOTGW_SCAN_BAN] (10m)
  --local-rules FILE      extra nft rules (one per line) evaluated for new inbound
                          connections before the scan check and the default drop,
                          e.g. "ip saddr 10.0.0.0/8 tcp dport 9100 accept"
                          [IOTGW_LOCAL_RULES]

Exit status: 0 ok (or nothing to do), 1 apply failed (previous ruleset kept or
restored), 2 usage error.
EOF
}

die_usage() {
  echo "$PROG: $*" >&2
  echo "Try '$PROG --help'." >&2
  exit 2
}
die() {
  echo "$PROG: error: $*" >&2
  exit 1
}
say() { echo "$PROG: $*"; }

gw_port=${IOTGW_GW_PORT:-8443}
gw_conn_limit=${IOTGW_GW_CONN_LIMIT:-64}
gw_rate=${IOTGW_GW_RATE:-20}
gw_burst=${IOTGW_GW_BURST:-40}
ssh_port=${IOTGW_SSH_PORT:-22}
ssh_rate=${IOTGW_SSH_RATE:-6}
ssh_burst=${IOTGW_SSH_BURST:-6}
icmp_rate=${IOTGW_ICMP_RATE:-5}
icmp_burst=${IOTGW_ICMP_BURST:-10}
scan_rate=${IOTGW_SCAN_RATE:-10}
scan_burst=${IOTGW_SCAN_BURST:-10}
scan_ban=${IOTGW_SCAN_BAN:-10m}
local_rules=${IOTGW_LOCAL_RULES:-}
read -r -a ssh_from <<<"${IOTGW_SSH_FROM:-}"
mode=apply
confirm=
save_file=

need_arg() {
  if [ "$#" -lt 2 ] || [ -z "$2" ]; then die_usage "option $1 needs a value"; fi
}
while [ "$#" -gt 0 ]; do
  case $1 in
    --print) mode=print ;;
    --dry-run) mode=dry-run ;;
    --confirm) need_arg "$@"; confirm=$2; shift ;;
    --save) need_arg "$@"; save_file=$2; shift ;;
    --gw-port) need_arg "$@"; gw_port=$2; shift ;;
    --gw-conn-limit) need_arg "$@"; gw_conn_limit=$2; shift ;;
    --gw-rate) need_arg "$@"; gw_rate=$2; shift ;;
    --gw-burst) need_arg "$@"; gw_burst=$2; shift ;;
    --ssh-port) need_arg "$@"; ssh_port=$2; shift ;;
    --ssh-rate) need_arg "$@"; ssh_rate=$2; shift ;;
    --ssh-burst) need_arg "$@"; ssh_burst=$2; shift ;;
    --ssh-from) need_arg "$@"; ssh_from+=("$2"); shift ;;
    --icmp-rate) need_arg "$@"; icmp_rate=$2; shift ;;
    --icmp-burst) need_arg "$@"; icmp_burst=$2; shift ;;
    --scan-rate) need_arg "$@"; scan_rate=$2; shift ;;
    --scan-burst) need_arg "$@"; scan_burst=$2; shift ;;
    --scan-ban) need_arg "$@"; scan_ban=$2; shift ;;
    --local-rules) need_arg "$@"; local_rules=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown option '$1'" ;;
  esac
  shift
done

# Values are checked before they reach nft, so a typo is a usage error naming the
# option, not an nft syntax error.
check_uint() {  # NAME VALUE MIN MAX
  if ! [[ $2 =~ ^[0-9]{1,7}$ ]] || [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
    die_usage "$1 must be an integer in $3..$4 (got '$2')"
  fi
}
check_uint --gw-port "$gw_port" 1 65535
check_uint --gw-conn-limit "$gw_conn_limit" 1 1000000
check_uint --gw-rate "$gw_rate" 1 1000000
check_uint --gw-burst "$gw_burst" 1 1000000
check_uint --ssh-port "$ssh_port" 1 65535
check_uint --ssh-rate "$ssh_rate" 1 1000000
check_uint --ssh-burst "$ssh_burst" 1 1000000
check_uint --icmp-rate "$icmp_rate" 1 1000000
check_uint --icmp-burst "$icmp_burst" 1 1000000
check_uint --scan-rate "$scan_rate" 1 1000000
check_uint --scan-burst "$scan_burst" 1 1000000
[ "$gw_port" != "$ssh_port" ] || die_usage "--gw-port and --ssh-port must differ"
[[ $scan_ban =~ ^[0-9]+[smhd]$ ]] || die_usage "--scan-ban must look like 30s, 10m, 1h or 1d (got '$scan_ban')"
if [ -n "$confirm" ]; then check_uint --confirm "$confirm" 1 3600; fi
ssh_from4=()
ssh_from6=()
for net in "${ssh_from[@]}"; do
  if [[ $net =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?$ ]]; then
    ssh_from4+=("$net")
  elif [[ $net =~ ^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(/[0-9]{1,3})?$ ]]; then
    ssh_from6+=("$net")
  else
    die_usage "--ssh-from must be an IPv4 or IPv6 address or network (got '$net')"
  fi
done
local_text=
if [ -n "$local_rules" ]; then
  [ -r "$local_rules" ] || die_usage "--local-rules: cannot read '$local_rules'"
  # Comments and blank lines dropped; each remaining line is one rule.
  local_text=$(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e '/^$/d' -e 's/^/\t\t/' "$local_rules")
fi

join_set() { local IFS=,; echo "$*"; }

# The rules proper. IPv6 sources are keyed by their /64, as the gateway groups them:
# one host usually owns a whole /64, so per-address limits would be trivial to dodge.
render_body() {
  local v6=' and ffff:ffff:ffff:ffff::'
  cat <<EOF
	# Sources caught scanning; every packet from them is dropped until the entry expires.
	set scanners4 { type ipv4_addr; flags dynamic, timeout; timeout $scan_ban; size 65536; }
	set scanners6 { type ipv6_addr; flags dynamic, timeout; timeout $scan_ban; size 65536; }
	# Per-source meters (the kernel evicts idle entries; size bounds the memory).
	set scan_probe4 { type ipv4_addr; flags dynamic, timeout; timeout 1m; size 65536; }
	set scan_probe6 { type ipv6_addr; flags dynamic, timeout; timeout 1m; size 65536; }
	set gw_rate4 { type ipv4_addr; flags dynamic, timeout; timeout 1m; size 65536; }
	set gw_rate6 { type ipv6_addr; flags dynamic, timeout; timeout 1m; size 65536; }
	set gw_conn4 { type ipv4_addr; flags dynamic; size 65536; }
	set gw_conn6 { type ipv6_addr; flags dynamic; size 65536; }
	set ssh_rate4 { type ipv4_addr; flags dynamic, timeout; timeout 1m; size 65536; }
	set ssh_rate6 { type ipv6_addr; flags dynamic, timeout; timeout 1m; size 65536; }

	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		ip saddr @scanners4 counter drop
		ip6 saddr$v6 @scanners6 counter drop
		# Flag combinations no TCP stack sends: NULL, Xmas, FIN-without-ACK, SYN+FIN,
		# SYN+RST scans. They count towards the scan threshold.
		tcp flags & (fin|syn|rst|psh|ack|urg) == 0x0 jump scan
		tcp flags & (fin|psh|urg) == fin|psh|urg jump scan
		tcp flags & (fin|ack) == fin jump scan
		tcp flags & (syn|fin) == syn|fin jump scan
		tcp flags & (syn|rst) == syn|rst jump scan
		# ICMP echo is limited host-wide before conntrack: a ping with one id is one
		# "connection", so later requests would pass as established.
		icmp type echo-request limit rate over $icmp_rate/second burst $icmp_burst packets counter drop
		icmpv6 type echo-request limit rate over $icmp_rate/second burst $icmp_burst packets counter drop
		ct state established,related accept
		ct state invalid counter drop
		# A new connection starts with a bare SYN. Other strays (say, a client's old
		# connection after a reboot wiped conntrack) are dropped but do not count.
		tcp flags & (fin|syn|rst|ack) != syn counter drop
		meta l4proto icmp jump icmp_in
		meta l4proto ipv6-icmp jump icmpv6_in
		tcp dport $gw_port jump gateway_in
		tcp dport $ssh_port jump ssh_in
		jump local_in
		# Unicast to a closed port: counts towards the scan threshold.
		meta pkttype host meta l4proto { tcp, udp } jump scan
	}

	# DOS-1: per-source new-connection rate, then per-source concurrent connections.
	chain gateway_in {
		update @gw_rate4 { ip saddr limit rate over $gw_rate/second burst $gw_burst packets } counter drop
		update @gw_rate6 { ip6 saddr$v6 limit rate over $gw_rate/second burst $gw_burst packets } counter drop
		add @gw_conn4 { ip saddr ct count over $gw_conn_limit } counter reject with tcp reset
		add @gw_conn6 { ip6 saddr$v6 ct count over $gw_conn_limit } counter reject with tcp reset
		accept
	}

	chain ssh_in {
EOF
  if [ "${#ssh_from[@]}" -gt 0 ]; then
    if [ "${#ssh_from4[@]}" -gt 0 ]; then
      printf '\t\tip saddr != { %s } meta nfproto ipv4 counter drop\n' "$(join_set "${ssh_from4[@]}")"
    else
      printf '\t\tmeta nfproto ipv4 counter drop\n'
    fi
    if [ "${#ssh_from6[@]}" -gt 0 ]; then
      printf '\t\tip6 saddr != { %s } meta nfproto ipv6 counter drop\n' "$(join_set "${ssh_from6[@]}")"
    else
      printf '\t\tmeta nfproto ipv6 counter drop\n'
    fi
  fi
  cat <<EOF
		update @ssh_rate4 { ip saddr limit rate over $ssh_rate/minute burst $ssh_burst packets } counter drop
		update @ssh_rate6 { ip6 saddr$v6 limit rate over $ssh_rate/minute burst $ssh_burst packets } counter drop
		accept
	}

	chain icmp_in {
		icmp type echo-request accept
		icmp type { destination-unreachable, time-exceeded, parameter-problem } accept
		counter drop
	}

	chain icmpv6_in {
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } ip6 hoplimit 255 accept
		icmpv6 type echo-request accept
		icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept
		counter drop
	}

	# Site rules from --local-rules (may be empty).
	chain local_in {
EOF
  [ -z "$local_text" ] || printf '%s\n' "$local_text"
  cat <<EOF
	}

	# Port-scan detection: past the threshold the source joins the scanners set.
	chain scan {
		update @scan_probe4 { ip saddr limit rate over $scan_rate/minute burst $scan_burst packets } add @scanners4 { ip saddr } log prefix "iot-gateway portscan: " level warn counter drop
		update @scan_probe6 { ip6 saddr$v6 limit rate over $scan_rate/minute burst $scan_burst packets } add @scanners6 { ip6 saddr$v6 } log prefix "iot-gateway portscan: " level warn counter drop
		counter drop
	}

	# The gateway host does not route.
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
EOF
}

body=$(render_body)
hash=$(printf '%s\n' "$body" | sha256sum | cut -c1-16)
ruleset=$(
  cat <<EOF
#!/usr/sbin/nft -f
# iot-gateway host firewall, generated by $PROG. Replaces only table inet $TABLE,
# in one transaction.
table inet $TABLE
delete table inet $TABLE
table inet $TABLE {
	comment "iot-gateway firewall $hash"

$body
}
EOF
)

if [ "$mode" = print ]; then
  printf '%s\n' "$ruleset"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "must run as root (try --print to see the ruleset)"
command -v nft >/dev/null || die "nft not found; install the nftables package"

work=$(mktemp -d "${TMPDIR:-/tmp}/iot-gateway-fw.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf '%s\n' "$ruleset" >"$work/new.nft"

# Output is captured whole before it is parsed: an early-exiting reader (grep -q,
# head) would make nft die of SIGPIPE and, under pipefail, fail the check.
current_hash() {
  local listing
  listing=$(nft list table inet "$TABLE" 2>/dev/null) || return 0
  sed -n 's/^[[:space:]]*comment "iot-gateway firewall \([0-9a-f]*\)".*/\1/p' <<<"$listing"
}
input_policy_is_drop() {
  local listing
  listing=$(nft list chain inet "$TABLE" input 2>/dev/null) || return 1
  [[ $listing == *"policy drop;"* ]]
}

syncookies_file=/proc/sys/net/ipv4/tcp_syncookies
syncookies_now=$(cat "$syncookies_file" 2>/dev/null || echo unknown)

# Nothing to do when the loaded table was built from exactly these rules.
changes=0
if [ "$(current_hash)" = "$hash" ]; then
  say "table inet $TABLE already current ($hash); ruleset unchanged"
else
  changes=1
fi
if [ "$syncookies_now" != 1 ]; then changes=1; fi

if [ "$mode" = dry-run ]; then
  if [ "$(current_hash)" != "$hash" ]; then
    if nft -c -f "$work/new.nft" >"$work/check.err" 2>&1; then
      say "would load this ruleset with 'nft -f' (checked with 'nft -c': valid):"
    else
      say "would load this ruleset, but 'nft -c' rejects it:"
      cat "$work/check.err" >&2
    fi
    printf '%s\n' "$ruleset"
  fi
  [ "$syncookies_now" = 1 ] || say "would set net.ipv4.tcp_syncookies = 1 (now $syncookies_now)"
  if [ -n "$save_file" ] && ! { [ -f "$save_file" ] && cmp -s "$work/new.nft" "$save_file"; }; then
    say "would write the ruleset to $save_file"
    changes=1
  fi
  [ "$changes" -eq 1 ] || say "nothing to change"
  say "dry run: no change made"
  exit 0
fi

restore() {  # puts the saved table back (or removes ours if there was none)
  if [ -s "$work/old.nft" ]; then
    { printf 'table inet %s\ndelete table inet %s\n' "$TABLE" "$TABLE"; cat "$work/old.nft"; } >"$work/restore.nft"
  else
    printf 'table inet %s\ndelete table inet %s\n' "$TABLE" "$TABLE" >"$work/restore.nft"
  fi
  if nft -f "$work/restore.nft"; then
    say "rolled back to the previous ruleset"
  else
    echo "$PROG: error: rollback failed; inspect 'nft list ruleset' now" >&2
  fi
}

if [ "$(current_hash)" != "$hash" ]; then
  # The saved copy includes the current scan bans, so a rollback keeps them.
  nft list table inet "$TABLE" >"$work/old.nft" 2>/dev/null || : >"$work/old.nft"
  if ! nft -f "$work/new.nft" 2>"$work/apply.err"; then
    cat "$work/apply.err" >&2
    die "nft refused the ruleset; nothing was changed (the kernel applies all or none)"
  fi
  if [ "$(current_hash)" != "$hash" ] || ! input_policy_is_drop; then
    restore
    die "loaded ruleset did not verify"
  fi
  say "loaded table inet $TABLE ($hash)"
  if [ -n "$confirm" ]; then
    say "type 'yes' within $confirm s to keep the new ruleset"
    answer=
    read -r -t "$confirm" answer || true
    if [ "$answer" != yes ]; then
      restore
      die "not confirmed within $confirm s"
    fi
    say "confirmed"
  fi
fi

if [ "$syncookies_now" != 1 ]; then
  echo 1 >"$syncookies_file" || die "cannot set net.ipv4.tcp_syncookies"
  say "set net.ipv4.tcp_syncookies = 1 (was $syncookies_now)"
fi

if [ -n "$save_file" ]; then
  if [ -f "$save_file" ] && cmp -s "$work/new.nft" "$save_file"; then
    :
  else
    install -m 0644 "$work/new.nft" "$save_file.tmp.$$"
    mv -f "$save_file.tmp.$$" "$save_file"
    say "saved the ruleset to $save_file"
  fi
fi
