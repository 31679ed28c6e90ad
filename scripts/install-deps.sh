#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages the project needs that are missing, and nothing else:
#   install-deps.sh --build   building and the demo: scripts/debian-packages-build.txt
#   install-deps.sh           the test suite too: that list plus scripts/debian-packages.txt
#   install-deps.sh --check [--build]  print what is missing, change nothing (exit 1 if any)
# Needs root (or sudo); runs `apt-get update` once, only when something is missing.
#
# Services: installing must not start or enable anything. A policy-rc.d (exit 101) keeps
# invoke-rc.d/deb-systemd-invoke from starting services while apt runs (openssh-server,
# fail2ban and prometheus would come up with Debian's defaults: password SSH, the sshd
# jail acting on this host). Debian's maintainer scripts still *enable* units for the
# next boot (deb-systemd-helper, update-rc.d), so every unit link and rc.d start link
# that appeared during this install is disabled again afterwards — through
# deb-systemd-helper, which remembers it, so a later upgrade does not re-enable it.
# What was enabled before is left exactly as it was. The tests start private instances.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

lists=("$here/debian-packages-build.txt" "$here/debian-packages.txt")
check=0
for arg in "$@"; do
  case "$arg" in
    --build) lists=("$here/debian-packages-build.txt") ;;
    --check) check=1 ;;
    -h | --help)
      sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "usage: $0 [--build] [--check]" >&2
      exit 2
      ;;
  esac
done

mapfile -t wanted < <(cat "${lists[@]}" | sed 's/#.*//; s/[[:space:]]//g' | grep -v '^$' | sort -u)
missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#wanted[@]} Debian packages present"
  exit 0
fi
if [ "$check" = 1 ]; then
  echo "install-deps: missing ${missing[*]}"
  exit 1
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}"

# The links that make a unit or an init script start at boot, one per line.
boot_links() {
  find /etc/systemd/system /etc/systemd/user -mindepth 2 -maxdepth 2 -type l \
    \( -path '*.wants/*' -o -path '*.requires/*' -o -path '*.upholds/*' \) 2>/dev/null || true
  find /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d -maxdepth 1 -name 'S*' 2>/dev/null || true
}
before=$(boot_links | sort)

policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# iot-pki install-deps.sh: start no service while installing\nexit 101\n' |
    "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  added_policy=1
fi
remove_policy() { if [ "$added_policy" = 1 ]; then "${sudo[@]}" rm -f "$policy"; fi; }
trap remove_policy EXIT
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Disable, one by one, what this install enabled; nothing else is touched.
mapfile -t new_links < <(comm -13 <(echo "$before") <(boot_links | sort) | grep -v '^$' || true)
declare -A done_units=()
for link in "${new_links[@]}"; do
  case "$link" in
    /etc/rc?.d/S*)
      name=$(basename "$link" | sed 's/^S[0-9]*//')
      [ -n "${done_units[init:$name]:-}" ] && continue
      done_units[init:$name]=1
      echo "install-deps: not starting $name at boot (its package enabled it)"
      "${sudo[@]}" update-rc.d "$name" disable >/dev/null 2>&1 || true
      ;;
    *)
      unit=$(basename "$link")
      [ -n "${done_units[$unit]:-}" ] && continue
      done_units[$unit]=1
      echo "install-deps: disabling $unit (its package enabled it)"
      if command -v deb-systemd-helper >/dev/null; then
        "${sudo[@]}" deb-systemd-helper disable "$unit" >/dev/null 2>&1 || true
      fi
      # A link deb-systemd-helper did not make (systemctl preset, a static Also=):
      # remove it by hand; the unit file itself stays.
      [ ! -L "$link" ] || "${sudo[@]}" rm -f "$link"
      ;;
  esac
done
