#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian packages: built from the existing build tree with cpack, lintian-clean
# (errors and warnings; each override is justified in packaging/lintian/), then
# installed, used, removed and purged for real in a throw-away root (in_root.sh):
# iot-ca --version, iot-gateway check-config on the shipped /etc config with trust
# files made there, `man iot-ca`, logrotate's and fail2ban's reading of the shipped
# files, the account and modes postinst makes, the unit installed but not enabled;
# after purge nothing is left but what docs/install.md says stays.
#
# The root: a copy-on-write image of this host (overlayfs, lower = /, upper = tmpfs) in
# a private mount namespace, entered with chroot. Why not the alternatives on Debian 12:
# `dpkg --root=EMPTY_DIR` cannot satisfy Depends (libc6, libssl3, adduser … are not in
# it) and runs the maintainer scripts chrooted into a root that has no /bin/sh;
# `--force-script-chrootless` runs them against the host's own /etc (adduser would add
# the account to this machine); `dpkg-deb -x` installs nothing and runs no script. In
# the image dpkg, adduser, deb-systemd-helper and the maintainer scripts all run as on
# a real install, and when the namespace ends every change is gone: the host is never
# touched. Its upper layer is exactly what the packages changed, which is how the
# leftovers after purge are found.
. "$(dirname "$0")/../lib/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
: "${IOTPKI_BUILD_DIR:?IOTPKI_BUILD_DIR must name the (built) CMake build directory}"
[ "$(id -u)" -eq 0 ] || {
  echo "skip: needs root (a mount namespace and overlayfs)"
  exit 77
}
for tool in cpack dpkg-deb dpkg-shlibdeps lintian unshare chroot man; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs it)"
done

# --- build ---------------------------------------------------------------------------
# cpack re-runs the build tree's install rules into its own staging directory under
# $T; the tree is already built (its `preinstall` step finds nothing to do).
mkdir -p "$T/share/debs"
cpack -G DEB -B "$T/cpack" --config "$IOTPKI_BUILD_DIR/CPackConfig.cmake" >"$T/cpack.log" 2>&1 || {
  cat "$T/cpack.log"
  fail "cpack failed"
}
cp "$T"/cpack/*.deb "$T/share/debs/"
CA_DEB=$(ls "$T"/share/debs/iot-pki-ca_*.deb)
GW_DEB=$(ls "$T"/share/debs/iot-gateway_*.deb)
pass "cpack built $(basename "$CA_DEB") and $(basename "$GW_DEB")"

field() { dpkg-deb -f "$1" "$2"; }
for deb in "$CA_DEB" "$GW_DEB"; do
  for f in Maintainer Description Section Homepage Depends; do
    [ -n "$(field "$deb" "$f")" ] || fail "$(basename "$deb") has no $f"
  done
done
# Depends computed from the shared libraries; the CA package pulls in no daemon.
ca_deps=$(field "$CA_DEB" Depends)
for lib in libc6 libssl3 libsqlite3-0 libsodium23; do
  grep -q "$lib" <<<"$ca_deps" || fail "iot-pki-ca Depends lacks $lib: $ca_deps"
done
others=$(tr ',' '\n' <<<"$ca_deps" | sed 's/^ *//; s/ .*//' | grep -v -e '^lib' || true)
[ -z "$others" ] || fail "iot-pki-ca depends on more than shared libraries: $others"
dpkg-deb -c "$CA_DEB" | grep -q -e 'systemd' -e '/etc/' && fail "iot-pki-ca ships a service or /etc file"
[ -z "$(dpkg-deb --ctrl-tarfile "$CA_DEB" | tar -t | grep -e postinst -e prerm -e postrm)" ] ||
  fail "iot-pki-ca has maintainer scripts"
# A token-held CA key (docs/hsm.md) needs the engine and module iot-ca opens at run time.
field "$CA_DEB" Recommends | grep -q libengine-pkcs11-openssl ||
  fail "iot-pki-ca does not recommend libengine-pkcs11-openssl: $(field "$CA_DEB" Recommends)"
gw_deps=$(field "$GW_DEB" Depends)
for dep in libssl3 libsystemd0 adduser init-system-helpers; do
  grep -q "$dep" <<<"$gw_deps" || fail "iot-gateway Depends lacks $dep: $gw_deps"
done
pass "Depends come from the shared libraries; iot-pki-ca: libraries only, no service, no scripts"
dpkg-deb --ctrl-tarfile "$GW_DEB" | tar -xO ./conffiles >"$T/conffiles"
for f in /etc/iot-gateway/gateway.toml /etc/logrotate.d/iot-gateway \
  /etc/fail2ban/filter.d/iot-gateway.conf /etc/fail2ban/jail.d/iot-gateway.conf; do
  grep -qx "$f" "$T/conffiles" || fail "$f is not a conffile of iot-gateway"
done
[ "$(dpkg-deb -c "$GW_DEB" | grep -c ' \./etc/.*[^/]$')" -eq "$(wc -l <"$T/conffiles")" ] ||
  fail "iot-gateway installs a file under /etc that is not a conffile"
pass "every file iot-gateway ships under /etc is a conffile"

# --- lintian -------------------------------------------------------------------------
if ! lintian --fail-on error,warning --tag-display-limit 0 "$CA_DEB" "$GW_DEB" >"$T/lintian.out" 2>&1; then
  cat "$T/lintian.out"
  fail "lintian reports errors or warnings"
fi
pass "lintian: no error or warning ($(grep -c . "$T/lintian.out" || true) info/override lines)"

# --- install, use, remove, purge in a throw-away root ---------------------------------
host_state() {
  for p in iot-pki-ca iot-gateway; do dpkg-query -W -f='${Status}\n' "$p" 2>&1 | sed "s/^/$p: /"; done
  getent passwd iot-gateway || true
  ls -d /etc/iot-gateway /var/lib/iot-gateway /var/log/iot-gateway 2>/dev/null || true
}
host_before=$(host_state)
cp "$HERE/in_root.sh" "$T/share/"
unshare --mount --propagation private bash "$HERE/overlay_root.sh" "$T" in_root.sh leftovers >"$T/root.log" 2>&1 || {
  cat "$T/root.log"
  fail "the install/purge run in the throw-away root failed"
}
grep '^ok - ' "$T/root.log" | sed 's/^ok - //' | while IFS= read -r line; do echo "ok - (root) $line"; done
PASSED=$((PASSED + $(grep -c '^ok - ' "$T/root.log")))
[ -z "$(findmnt -rn -o TARGET | grep -F "$T" || true)" ] || fail "a mount of the test is still visible"
[ "$(host_state)" = "$host_before" ] || fail "the host changed: $(diff <(echo "$host_before") <(host_state))"
pass "the host saw none of it: no mount left, its packages, accounts and directories unchanged"
finish
