# SPDX-License-Identifier: Apache-2.0
# Helpers for the deployment-kit tests. Source after ../lib/common.sh:
#   . "$(dirname "$0")/../lib/common.sh"
#   . "$(dirname "$0")/lib.sh"
# Adds network namespaces that are deleted on exit (after every tracked process in
# them is killed), and a way to skip with a printed reason when the kernel lacks a
# feature (never silently).
# shellcheck shell=bash

DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../examples/deploy" && pwd)
DEPLOY_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NETTOOL="$DEPLOY_TESTS/nettool.py"
export DEPLOY_DIR DEPLOY_TESTS NETTOOL

_NETNS=()
_deploy_cleanup() {
  local pid ns
  for pid in "${_PIDS[@]:-}"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  done
  for pid in "${_PIDS[@]:-}"; do
    if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
  done
  _PIDS=()
  for ns in "${_NETNS[@]:-}"; do
    [ -n "$ns" ] || continue
    # Anything still inside is ours (only this test enters these namespaces).
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill "$pid" 2>/dev/null || true
    done
    ip netns del "$ns" 2>/dev/null || true
  done
  _cleanup
}
trap _deploy_cleanup EXIT

# skip REASON : the kernel (not the packages) lacks something; say so and pass.
skip() {
  echo "SKIP: $*"
  exit 0
}

# need_cmd CMD PACKAGE : a missing tool is a broken install (fail), not a skip.
need_cmd() {
  command -v "$1" >/dev/null 2>&1 || fail "$1 not found: install the Debian package '$2' (scripts/debian-packages.txt)"
}

need_root() {
  [ "$(id -u)" -eq 0 ] || fail "this test needs root (CI runs as root)"
}

# new_netns VAR TAG : creates namespace iotpki-TAG-PID with lo up, name in $VAR.
new_netns() {
  local name="iotpki-$2-$$"
  if ! ip netns add "$name" 2>"$T/netns.err"; then
    skip "cannot create a network namespace: $(cat "$T/netns.err")"
  fi
  _NETNS+=("$name")
  ip -n "$name" link set lo up
  printf -v "$1" '%s' "$name"
}

# link_netns NS_A ADDR_A NS_B ADDR_B : a veth pair between two namespaces.
# Addresses are CIDR (private ranges only, they live inside the namespaces).
_LINK_N=0
link_netns() {
  _LINK_N=$((_LINK_N + 1))
  ip -n "$1" link add "v$_LINK_N" type veth peer name "v${_LINK_N}p" netns "$3" ||
    skip "kernel cannot create veth pairs"
  ip -n "$1" addr add "$2" dev "v$_LINK_N" nodad 2>/dev/null || ip -n "$1" addr add "$2" dev "v$_LINK_N"
  ip -n "$3" addr add "$4" dev "v${_LINK_N}p" nodad 2>/dev/null || ip -n "$3" addr add "$4" dev "v${_LINK_N}p"
  ip -n "$1" link set "v$_LINK_N" up
  ip -n "$3" link set "v${_LINK_N}p" up
}

# add_addr NS DEV CIDR : one more address (e.g. IPv6) on a link made by link_netns.
add_addr() {
  ip -n "$1" addr add "$3" dev "$2" nodad
}

# tree_hash DIR : paths, types, modes, owners, sizes, mtimes and contents of a tree.
# Equal hashes before and after a run mean the run touched nothing.
tree_hash() {
  (
    cd "$1" || exit 1
    find . -printf '%p %y %m %U:%G %s %T@ %l\n' | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  ) | sha256sum | cut -d' ' -f1
}

# --- a real gateway (when the build has one) -----------------------------------------
have_gateway() { [ -x "$IOTPKI_BIN/iot-gateway" ] && [ -x "$IOTPKI_BIN/iot-ca" ]; }

# gw_setup DIR LISTEN : a PKI (iot-ca, EC P-256), the gateway's server certificate
# (localhost and every address in the namespace it runs in is reached via
# --resolve localhost), a device certificate DIR/dev/dev-1.{crt,key}, the trust
# bundle, a JWT key and DIR/gateway.toml listening on LISTEN. Audit log DIR/audit.log.
gw_setup() {
  local G=$1 listen=$2 H="$1/pki"
  pki_home "$H"
  pki_server_cert "$H" "$G" DNS:localhost
  pki_device "$H" dev-1 "$G/dev"
  iot-ca --home "$H" export --out "$G/trust" >/dev/null
  iot-gateway jwt-key new --dir "$G/jwt" >/dev/null
  cat >"$G/gateway.toml" <<EOF
[server]
listen = "$listen"
cert = "server.crt"
key = "server.key"
metrics_listen = ""

[trust]
bundle = "trust/ca-bundle.pem"
crl = "trust/crl.pem"
state_dir = "state"
pins = ["$(pki_pin "$H")"]

[jwt]
keys_dir = "jwt"

[backend]
url = "http://127.0.0.1:9"
timeout = "2s"

[audit]
path = "audit.log"
EOF
}

# --- a private fail2ban ----------------------------------------------------------------
# f2b_config LOG : $T/f2b holds Debian's stock jail.conf and actions (every jail there
# is off unless enabled), our own fail2ban.conf (socket, pidfile, database and log in
# $T), and the kit's jail and filter unchanged; the only override is the log path and
# the polling backend. /etc/fail2ban is never the server's configuration.
f2b_config() {
  F="$T/f2b"
  mkdir -p "$F/filter.d" "$F/jail.d" "$F/action.d"
  cp -r /etc/fail2ban/action.d/. "$F/action.d/"
  cp /etc/fail2ban/jail.conf /etc/fail2ban/paths-common.conf /etc/fail2ban/paths-debian.conf "$F/"
  cp "$DEPLOY_DIR/fail2ban/filter.d/iot-gateway.conf" "$F/filter.d/"
  cp "$DEPLOY_DIR/fail2ban/jail.local" "$F/jail.local"
  cat >"$F/fail2ban.conf" <<EOF
[Definition]
loglevel = INFO
logtarget = $T/f2b.log
syslogsocket = auto
socket = $T/f2b.sock
pidfile = $T/f2b.pid
dbfile = $T/f2b.sqlite3
dbpurgeage = 1d
allowipv6 = auto
EOF
  cat >"$F/jail.d/zz-test.local" <<EOF
[iot-gateway]
logpath = $1
backend = polling
EOF
}
f2b() { fail2ban-client -c "$F" -s "$T/f2b.sock" "$@"; }
# f2b_start NS LOG : fail2ban-server inside NS (its nftables bans stay there).
f2b_start() {
  ip netns exec "$1" fail2ban-server -f -x -c "$F" -s "$T/f2b.sock" -p "$T/f2b.pid" \
    --logtarget "$T/f2b.log" >"$T/f2b.out" 2>&1 &
  track_pid $!
  wait_for f2b ping
  wait_for f2b status iot-gateway
  grep -q "File list:.*$2" <<<"$(f2b status iot-gateway)" || fail "jail does not watch $2: $(f2b status iot-gateway)"
}
found() { grep -c "\[iot-gateway\] Found $1 " "$T/f2b.log" || true; }
found_at_least() { [ "$(found "$1")" -ge "$2" ]; }
banned() { grep -qx 1 <<<"$(f2b get iot-gateway banned "$1" 2>/dev/null)"; }
# in_set NS SET ADDR : the address is in fail2ban's nftables set in NS.
in_set() {
  local listing
  listing=$(ip netns exec "$1" nft list set inet f2b-table "$2" 2>/dev/null) || return 1
  [[ $listing == *"$3"* ]]
}
