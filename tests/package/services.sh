#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# README commands 1 and 2 install packages but leave no service enabled or running that
# was not before (scripts/install-deps.sh).
#  1. On this host: the boot state (`systemctl is-enabled` of the services the test
#     packages ship, every *.wants/*.requires link, the rc.d start links) is the same
#     before and after `install-deps.sh --check` and, when nothing is missing (so
#     nothing can be installed), a real `install-deps.sh` run; no policy-rc.d is left.
#  2. In a throw-away root (overlay_root.sh; the host is never written), install-deps.sh
#     really installs a package whose maintainer scripts do what Debian's service
#     packages do: enable a systemd unit (deb-systemd-helper), add rc.d links
#     (update-rc.d) and start the service (invoke-rc.d). Afterwards the service has not
#     run, nothing new starts at boot, and what was enabled before still is.
# Fails before the fix: install-deps.sh stopped the start but left the unit enabled
# (ssh, fail2ban and prometheus enabled for the next boot after the demo).
. "$(dirname "$0")/../lib/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
SCRIPTS=$(cd "$HERE/../../scripts" && pwd)

boot_state() {
  local s
  for s in ssh fail2ban prometheus prometheus-node-exporter nginx haproxy rsyslog postgresql \
    nftables logrotate.timer man-db.timer; do
    printf '%s %s\n' "$s" "$(systemctl is-enabled "$s" 2>/dev/null || true)"
  done
  find /etc/systemd/system -mindepth 2 -maxdepth 2 -type l \( -path '*.wants/*' -o -path '*.requires/*' \) \
    2>/dev/null | sort
  find /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d -name 'S*' 2>/dev/null | sort
}

before=$(boot_state)
[ ! -e /usr/sbin/policy-rc.d ] && had_policy=0 || had_policy=1
code=0
bash "$SCRIPTS/install-deps.sh" --check >"$T/check.out" 2>&1 || code=$?
[ "$code" -le 1 ] || fail "install-deps.sh --check exited $code: $(cat "$T/check.out")"
[ "$(boot_state)" = "$before" ] || fail "install-deps.sh --check changed the boot state"
if [ "$code" = 0 ] && [ "$(id -u)" -eq 0 ]; then
  bash "$SCRIPTS/install-deps.sh" >"$T/run.out" 2>&1 || fail "install-deps.sh failed: $(cat "$T/run.out")"
  [ "$(boot_state)" = "$before" ] || fail "install-deps.sh changed the boot state"
  [ "$(bash "$SCRIPTS/install-deps.sh" --build)" = "install-deps: all $(grep -cv -e '^#' -e '^$' "$SCRIPTS/debian-packages-build.txt") Debian packages present" ] ||
    fail "install-deps.sh --build does not read exactly the build list"
fi
[ -e /usr/sbin/policy-rc.d ] && now_policy=1 || now_policy=0
[ "$now_policy" = "$had_policy" ] || fail "install-deps.sh left /usr/sbin/policy-rc.d behind"
pass "on this host install-deps.sh changes no service's boot state ($(grep -c ' enabled$' <<<"$before") enabled before and after)"

if [ "$(id -u)" -ne 0 ]; then
  echo "skip: the install part needs root (a mount namespace and overlayfs)"
  finish
  exit 0
fi
command -v dpkg-scanpackages >/dev/null || fail "dpkg-scanpackages is missing (dpkg-dev)"

# The probe package: a service whose maintainer scripts are what dh_installsystemd and
# dh_installinit write for an enabled-by-default service.
P=$T/probe
mkdir -p "$P/DEBIAN" "$P/lib/systemd/system" "$P/etc/init.d"
cat >"$P/DEBIAN/control" <<'CTL'
Package: iotpki-service-probe
Version: 1.0
Architecture: all
Maintainer: iot-pki tests <tests@example.org>
Description: test package: a service enabled and started by its postinst
CTL
cat >"$P/lib/systemd/system/iotpki-probe.service" <<'UNIT'
[Unit]
Description=iot-pki install-deps test probe
[Service]
ExecStart=/bin/sh -c 'echo started >/var/lib/iotpki-probe.started; sleep 600'
[Install]
WantedBy=multi-user.target
UNIT
cat >"$P/etc/init.d/iotpki-probe" <<'INIT'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          iotpki-probe
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: iot-pki install-deps test probe
### END INIT INFO
case "$1" in
  start) echo started >/var/lib/iotpki-probe.started ;;
esac
exit 0
INIT
chmod 755 "$P/etc/init.d/iotpki-probe"
echo /etc/init.d/iotpki-probe >"$P/DEBIAN/conffiles"
cat >"$P/DEBIAN/postinst" <<'POST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if deb-systemd-helper --quiet was-enabled iotpki-probe.service; then
    deb-systemd-helper enable iotpki-probe.service >/dev/null || true
  fi
  # Proof for the test that the package did enable its unit.
  [ ! -L /etc/systemd/system/multi-user.target.wants/iotpki-probe.service ] ||
    touch /var/lib/iotpki-probe.was-enabled
  update-rc.d iotpki-probe defaults >/dev/null
  if [ -d /run/systemd/system ]; then
    deb-systemd-invoke start iotpki-probe.service >/dev/null || true
  else
    invoke-rc.d iotpki-probe start || true
  fi
fi
exit 0
POST
chmod 755 "$P/DEBIAN/postinst"
mkdir -p "$T/share/repo" "$T/share/scripts"
dpkg-deb --root-owner-group --build "$P" "$T/share/repo/iotpki-service-probe_1.0_all.deb" >/dev/null
(cd "$T/share/repo" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages)
# install-deps.sh as shipped, with lists that name only the probe.
cp "$SCRIPTS/install-deps.sh" "$T/share/scripts/"
echo iotpki-service-probe >"$T/share/scripts/debian-packages-build.txt"
echo '# nothing else' >"$T/share/scripts/debian-packages.txt"
cp "$HERE/services_root.sh" "$T/share/"
unshare --mount --propagation private bash "$HERE/overlay_root.sh" "$T" services_root.sh >"$T/root.log" 2>&1 || {
  cat "$T/root.log"
  fail "install-deps.sh in the throw-away root failed"
}
grep '^ok - ' "$T/root.log" | sed 's/^ok - /ok - (root) /'
PASSED=$((PASSED + $(grep -c '^ok - ' "$T/root.log")))
[ "$(boot_state)" = "$before" ] || fail "the host's boot state changed"
finish
