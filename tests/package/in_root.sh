#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs as root inside the throw-away root that overlay_root.sh makes (never on a real
# host): installs the two packages from /tmp/share/debs with dpkg, uses them the way
# docs/install.md tells an operator to, reinstalls (the upgrade path of the maintainer
# scripts), removes, and purges. One "ok - …" line per check.
set -euo pipefail
ok() { echo "ok - $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
mode_of() { stat -c '%a %U %G' "$1"; }
want_mode() { [ "$(mode_of "$2")" = "$1" ] || fail "$2 is $(mode_of "$2"), want $1"; }
DEBS=(/tmp/share/debs/iot-pki-ca_*.deb /tmp/share/debs/iot-gateway_*.deb)

# A clean start even on a host that has them: this is the image, not the host.
for p in iot-gateway iot-pki-ca; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then dpkg --purge "$p" >/dev/null; fi
done
if getent passwd iot-gateway >/dev/null; then userdel iot-gateway; fi
if getent group iot-gateway >/dev/null; then groupdel iot-gateway; fi
rm -rf /etc/iot-gateway /var/lib/iot-gateway /var/log/iot-gateway

dpkg -i "${DEBS[@]}" >/tmp/dpkg-i.log 2>&1 || {
  cat /tmp/dpkg-i.log >&2
  fail "dpkg -i failed"
}
for p in iot-pki-ca iot-gateway; do
  [ "$(dpkg-query -W -f='${Status}' "$p")" = "install ok installed" ] || fail "$p is not installed"
done
ok "dpkg -i installs iot-pki-ca and iot-gateway (maintainer scripts run)"

out=$(iot-ca --version) || fail "iot-ca --version failed"
grep -q '^iot-ca [0-9]' <<<"$out" || fail "iot-ca --version printed: $out"
# The commit it was built from, and the libraries as this process loaded them: the
# versions of the packages installed in this root, not those of the build host.
grep -Eq '^commit ([0-9a-f]{12}(-dirty)?|unknown)$' <<<"$out" || fail "no commit line: $out"
ssl=$(dpkg-query -W -f='${Version}' libssl3 | sed 's/-.*//')
grep -q "^OpenSSL $ssl" <<<"$out" || fail "OpenSSL line does not show libssl3 $ssl: $out"
sqlite=$(dpkg-query -W -f='${Version}' libsqlite3-0 | sed 's/-.*//')
grep -qx "SQLite $sqlite" <<<"$out" || fail "SQLite line does not show libsqlite3-0 $sqlite: $out"
sodium=$(dpkg-query -W -f='${Version}' libsodium23 | sed 's/-.*//')
grep -qx "libsodium $sodium" <<<"$out" || fail "libsodium line does not show libsodium23 $sodium: $out"
ok "iot-ca --version names its commit and the OpenSSL, SQLite and libsodium it runs with"
[ "$(command -v iot-ca)" = /usr/bin/iot-ca ] || fail "iot-ca is not /usr/bin/iot-ca"
ok "/usr/bin/iot-ca --version: $(head -n1 <<<"$out")"
man -P cat iot-ca 2>/dev/null | grep -q 'iot-ca' || fail "man iot-ca shows nothing"
man -P cat 8 iot-gateway 2>/dev/null | grep -q 'iot-gateway' || fail "man 8 iot-gateway shows nothing"
man -P cat 5 gateway.toml 2>/dev/null | grep -q 'handshake_timeout' || fail "man 5 gateway.toml shows no keys"
man -P cat 5 iot-pki.toml 2>/dev/null | grep -q 'device_days' || fail "man 5 iot-pki.toml shows no keys"
ok "man iot-ca, man 8 iot-gateway, man 5 gateway.toml and man 5 iot-pki.toml read the installed pages"
for t in iot-ca iot-provision iot-revoke iot-gateway; do
  [ -s "/usr/share/bash-completion/completions/$t" ] || fail "no bash completion for $t"
done
ok "bash completion is installed for the four tools"

# The account and the modes postinst made (as examples/deploy/harden_linux.sh makes them).
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd iot-gateway) || fail "no iot-gateway account"
[ "$uid" -lt 1000 ] || fail "iot-gateway is not a system account (uid $uid)"
[ "$home" = /nonexistent ] && [ "$shell" = /usr/sbin/nologin ] || fail "iot-gateway: home $home, shell $shell"
want_mode "750 root iot-gateway" /etc/iot-gateway
want_mode "640 root iot-gateway" /etc/iot-gateway/gateway.toml
want_mode "750 root iot-gateway" /etc/iot-gateway/trust
want_mode "700 iot-gateway iot-gateway" /etc/iot-gateway/jwt
want_mode "700 iot-gateway iot-gateway" /var/lib/iot-gateway
want_mode "750 iot-gateway iot-gateway" /var/log/iot-gateway
ok "postinst made the system account iot-gateway and its directories with harden_linux.sh's modes"

unit=/lib/systemd/system/iot-gateway.service
grep -qx 'ExecStart=/usr/bin/iot-gateway --config /etc/iot-gateway/gateway.toml' "$unit" ||
  fail "the unit does not start /usr/bin/iot-gateway"
state=$(systemctl is-enabled iot-gateway.service 2>&1 || true)
[ "$state" = disabled ] || fail "iot-gateway.service is '$state' after install, want disabled"
[ -z "$(find /etc/systemd/system -name 'iot-gateway*' 2>/dev/null)" ] || fail "install enabled the unit"
grep -q '^enabled  = false' /etc/fail2ban/jail.d/iot-gateway.conf || fail "the fail2ban jail is not off as shipped"
ok "the unit runs /usr/bin/iot-gateway and is installed, not enabled; the fail2ban jail ships off"

# An operator's first configuration (docs/install.md): trust files from a CA, the
# server key for the service account, a JWT key made by that account; check-config
# run as the service account on the shipped /etc/iot-gateway/gateway.toml.
H=/tmp/ca
iot-ca --home "$H" init --cn "Package Test Root" --key ec-p256 --no-passphrase >/dev/null 2>&1
iot-ca --home "$H" intermediate --name line1 --cn "Package Test Line 1" --key ec-p256 --no-passphrase >/dev/null 2>&1
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out /tmp/server.key 2>/dev/null
openssl req -new -key /tmp/server.key -subj /CN=gateway.example -out /tmp/server.csr 2>/dev/null
iot-ca --home "$H" sign --csr /tmp/server.csr --profile server --san DNS:gateway.example \
  --chain --out /tmp/server.crt >/dev/null
iot-ca --home "$H" --json export --out /etc/iot-gateway/trust >/tmp/export.json
# The operator pastes the pins line export printed (docs/install.md).
pins_line=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pins_line"])' /tmp/export.json)
grep -qx 'pins = \[\]' /etc/iot-gateway/gateway.toml || fail "the shipped config has no empty pins line to fill"
sed -i "s/^pins = \[\]$/$pins_line/" /etc/iot-gateway/gateway.toml
install -m 0600 -o iot-gateway -g iot-gateway /tmp/server.key /etc/iot-gateway/server.key
install -m 0644 /tmp/server.crt /etc/iot-gateway/server.crt
runuser -u iot-gateway -- iot-gateway jwt-key new --dir /etc/iot-gateway/jwt >/dev/null
runuser -u iot-gateway -- iot-gateway check-config --config /etc/iot-gateway/gateway.toml \
  >/tmp/check.out 2>&1 || {
  cat /tmp/check.out >&2
  fail "check-config on /etc/iot-gateway/gateway.toml failed"
}
grep -q '^path = "/var/log/iot-gateway/audit.log"' /etc/iot-gateway/gateway.toml &&
  grep -q '^state_dir = "/var/lib/iot-gateway"' /etc/iot-gateway/gateway.toml ||
  fail "the shipped config does not write to /var/log and /var/lib"
ok "iot-gateway check-config passes on the shipped /etc/iot-gateway/gateway.toml, as the service account"
if command -v logrotate >/dev/null; then
  logrotate -d /etc/logrotate.d/iot-gateway >/tmp/logrotate.out 2>&1 || {
    cat /tmp/logrotate.out >&2
    fail "logrotate rejects /etc/logrotate.d/iot-gateway"
  }
  ok "logrotate -d reads /etc/logrotate.d/iot-gateway"
fi

# Reinstalling runs the upgrade path (prerm upgrade, postinst configure OLD): the
# administrator's files and modes survive, nothing is enabled.
chmod 0755 /var/log/iot-gateway
dpkg -i "${DEBS[@]}" >/tmp/dpkg-i2.log 2>&1 || {
  cat /tmp/dpkg-i2.log >&2
  fail "reinstalling failed"
}
want_mode "755 iot-gateway iot-gateway" /var/log/iot-gateway
[ -s /etc/iot-gateway/server.key ] && [ -n "$(ls /etc/iot-gateway/jwt)" ] || fail "reinstall lost files"
[ "$(systemctl is-enabled iot-gateway.service 2>&1 || true)" = disabled ] || fail "reinstall enabled the unit"
chmod 0750 /var/log/iot-gateway
ok "reinstalling keeps the administrator's files and modes and enables nothing"

# An administrator's `systemctl enable` survives an upgrade (deb-systemd-helper state).
systemctl enable iot-gateway.service >/dev/null 2>&1
dpkg -i "${DEBS[@]}" >/dev/null 2>&1 || fail "upgrade with the unit enabled failed"
[ "$(systemctl is-enabled iot-gateway.service 2>&1 || true)" = enabled ] || fail "an upgrade disabled the unit"
systemctl disable iot-gateway.service >/dev/null 2>&1
ok "an administrator's enable survives an upgrade"

dpkg --remove iot-gateway iot-pki-ca >/tmp/dpkg-r.log 2>&1 || {
  cat /tmp/dpkg-r.log >&2
  fail "dpkg --remove failed"
}
[ ! -e /usr/bin/iot-ca ] && [ ! -e /usr/bin/iot-gateway ] || fail "remove left the binaries"
[ -f /etc/iot-gateway/gateway.toml ] || fail "remove deleted a conffile"
[ "$(readlink /etc/systemd/system/iot-gateway.service || true)" = /dev/null ] || fail "remove did not mask the unit"
ok "dpkg --remove: binaries gone, conffiles kept, unit masked"

dpkg --purge iot-gateway iot-pki-ca >/tmp/dpkg-p.log 2>&1 || {
  cat /tmp/dpkg-p.log >&2
  fail "dpkg --purge failed"
}
for p in iot-pki-ca iot-gateway; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok'; then
    [ "$(dpkg-query -W -f='${Status}' "$p")" = "unknown ok not-installed" ] || fail "$p still known to dpkg"
  fi
done
for f in /etc/iot-gateway/gateway.toml /etc/logrotate.d/iot-gateway /etc/fail2ban/jail.d/iot-gateway.conf \
  /var/lib/iot-gateway /var/log/iot-gateway /etc/systemd/system/iot-gateway.service /lib/systemd/system/iot-gateway.service; do
  [ ! -e "$f" ] && [ ! -L "$f" ] || fail "purge left $f"
done
[ -z "$(dpkg-statoverride --list | grep iot-gateway || true)" ] || fail "purge left a statoverride"
[ -s /etc/iot-gateway/server.key ] || fail "purge deleted the administrator's server key"
getent passwd iot-gateway >/dev/null || fail "purge removed the account (documented to stay)"
ok "dpkg --purge: conffiles, state, logs, unit state and statoverrides gone; the administrator's files and the account stay"
