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
