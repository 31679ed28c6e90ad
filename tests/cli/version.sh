#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# --version on the four binaries: the version, the git commit the build came from
# ("unknown" outside git) and the OpenSSL, SQLite and libsodium versions the process
# runs with (runtime calls, so they follow the installed libraries, not the headers).
# Fails before the fix: the baseline prints only "iot-ca 0.1.0".
. "$(dirname "$0")/../lib/common.sh"

deb_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null | sed 's/-.*//'; }
ssl=$(deb_version libssl3)
sqlite=$(deb_version libsqlite3-0)
sodium=$(deb_version libsodium23)
for bin in iot-ca iot-provision iot-revoke iot-gateway; do
  expect_exit 0 "$bin" --version
  out=$(cat "$T/last.out")
  [ "$(wc -l <<<"$out")" -eq 5 ] || fail "$bin --version: $out"
  grep -Eq "^$bin [0-9]+\.[0-9]+\.[0-9]+$" <<<"$out" || fail "$bin --version, line 1: $out"
  grep -Eq '^commit ([0-9a-f]{12}(-dirty)?|unknown)$' <<<"$out" || fail "$bin --version, commit: $out"
  grep -q "^OpenSSL ${ssl:-3}" <<<"$out" || fail "$bin --version, OpenSSL (libssl3 $ssl): $out"
  grep -Eq "^SQLite ${sqlite:-3\.[0-9.]+}$" <<<"$out" || fail "$bin --version, SQLite ($sqlite): $out"
  grep -Eq "^libsodium ${sodium:-1\.[0-9.]+}$" <<<"$out" || fail "$bin --version, libsodium ($sodium): $out"
done
# Inside this checkout the commit is the checkout's own.
src=$(cd "$(dirname "$0")/../.." && pwd)
if head=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null); then
  grep -q "^commit $head" <<<"$out" || echo "note: built from another commit than $head: $(grep ^commit <<<"$out")"
fi
pass "--version of the four tools: version, commit, and the OpenSSL, SQLite and libsodium in use"
finish
