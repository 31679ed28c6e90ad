#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# overlay_root.sh T SCRIPT [leftovers]: run by packages.sh and services.sh inside
# `unshare --mount`. Makes the throw-away root (overlayfs, lower = this host's /, upper
# = a tmpfs), runs T/share/SCRIPT in it with chroot (T/share is its /tmp/share). With
# `leftovers`, it then reads the upper layer: after the purge, every file the packages
# added or changed there must be one docs/install.md lists as staying. Everything
# vanishes with the namespace; the host is never written.
set -euo pipefail
T=$1
SCRIPT=$2
O=$T/ovl
mkdir -p "$O"
mount -t tmpfs -o size=1g,mode=0755 tmpfs "$O"
mkdir "$O/upper" "$O/work" "$O/merged"
mount -t overlay overlay -o "lowerdir=/,upperdir=$O/upper,workdir=$O/work" "$O/merged"
M=$O/merged
mount --rbind /dev "$M/dev"
mount -t proc proc "$M/proc"
# An empty /run: no /run/systemd/system, so the maintainer scripts take their
# "systemd is not running" branches (as in a chroot or an image build), and /tmp private.
mount -t tmpfs tmpfs "$M/run"
mount -t tmpfs tmpfs "$M/tmp"
mkdir "$M/tmp/share"
mount --bind "$T/share" "$M/tmp/share"

chroot "$M" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root LANG=C.UTF-8 TERM=dumb bash "/tmp/share/$SCRIPT"
[ "${3:-}" = leftovers ] || exit 0

# What the install-use-purge cycle left in the root. Ignored: files rewritten with their
# original content, dpkg's own database and log, man-db's index cache (rebuilt by its
# trigger), and directories. Allowed, as documented: the account's lines in the
# account files, and the files the administrator (here: in_root.sh) put in
# /etc/iot-gateway.
left=()
while IFS= read -r -d '' f; do
  rel=${f#"$O/upper"}
  case "$rel" in
    /var/lib/dpkg/* | /var/log/dpkg.log | /var/cache/man/* | /var/cache/debconf/*) continue ;;
    /var/log/alternatives.log | /var/cache/ldconfig/*) continue ;;
    /etc/iot-gateway/*) continue ;;
  esac
  if [ -c "$f" ]; then
    left+=("$rel (deleted from the host image)")
    continue
  fi
  if [ -f "/$rel" ] && [ ! -L "$f" ] && cmp -s "$f" "/$rel"; then continue; fi
  case "$rel" in
    /etc/passwd | /etc/group | /etc/shadow | /etc/gshadow | /etc/subuid | /etc/subgid)
      # Only the account's own lines may differ from the host's file.
      extra=$(diff <(sort "/$rel" 2>/dev/null || true) <(sort "$f") | grep '^[<>]' | grep -v '^> iot-gateway:' || true)
      [ -z "$extra" ] && continue
      left+=("$rel: $extra")
      continue
      ;;
    /etc/passwd- | /etc/group- | /etc/shadow- | /etc/gshadow-)
      # The tools' backup copy: a snapshot of the file before their last change, so
      # every line is the host's (from the file or its backup) or the account's.
      extra=$(sort -u "/$rel" "/${rel%-}" 2>/dev/null | comm -13 - <(sort -u "$f") | grep -v '^iot-gateway:' || true)
      [ -z "$extra" ] && continue
      left+=("$rel: $extra")
      continue
      ;;
  esac
  left+=("$rel")
done < <(find "$O/upper" \( -type f -o -type l -o -type c \) -print0)
if [ "${#left[@]}" -gt 0 ]; then
  printf 'left behind: %s\n' "${left[@]}" >&2
  echo "FAIL: purging the packages left files behind" >&2
  exit 1
fi
echo "ok - after purge nothing is left but the iot-gateway account and the administrator's files in /etc/iot-gateway"
