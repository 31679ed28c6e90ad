#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs inside the throw-away root of services.sh: apt sees only the local repository
# holding the probe package; install-deps.sh installs it; then the checks.
set -euo pipefail
ok() { echo "ok - $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
boot_links() {
  find /etc/systemd/system -mindepth 2 -maxdepth 2 -type l \( -path '*.wants/*' -o -path '*.requires/*' \) \
    2>/dev/null | sort
  find /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d -name 'S*' 2>/dev/null | sort
}
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
echo 'deb [trusted=yes] file:/tmp/share/repo ./' >/etc/apt/sources.list.d/probe.list
[ ! -e /usr/sbin/policy-rc.d ] || rm -f /usr/sbin/policy-rc.d # as on a fresh machine
before=$(boot_links)

bash /tmp/share/scripts/install-deps.sh --build >/tmp/deps.out 2>&1 || {
  cat /tmp/deps.out >&2
  fail "install-deps.sh --build failed"
}
dpkg-query -W -f='${Status}' iotpki-service-probe | grep -q 'install ok installed' ||
  fail "install-deps.sh did not install the probe"
[ -e /var/lib/iotpki-probe.was-enabled ] || fail "the probe's postinst did not enable its unit (test broken)"
ok "install-deps.sh installed a package whose postinst enables its unit and starts it"
[ ! -e /var/lib/iotpki-probe.started ] || fail "the probe service was started during the install"
ok "the service was not started (policy-rc.d)"
state=$(systemctl is-enabled iotpki-probe.service 2>&1 || true)
[ "$state" = disabled ] || fail "iotpki-probe.service is '$state' after install-deps.sh, want disabled"
after=$(boot_links)
[ "$after" = "$before" ] || fail "new boot links: $(comm -13 <(echo "$before") <(echo "$after"))"
ok "nothing new starts at boot (unit disabled, rc.d links stopped); what was enabled before still is"
[ ! -e /usr/sbin/policy-rc.d ] || fail "install-deps.sh left /usr/sbin/policy-rc.d"
ok "policy-rc.d removed again"
# An upgrade of the package must not enable it again (deb-systemd-helper remembers).
dpkg -i /tmp/share/repo/iotpki-service-probe_1.0_all.deb >/dev/null 2>&1 || true
[ ! -L /etc/systemd/system/multi-user.target.wants/iotpki-probe.service ] ||
  fail "reinstalling the package enabled the unit again"
ok "reinstalling the package does not enable the unit again"
