#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# harden_linux.sh — prepares a Debian host (or a directory tree) for iot-gateway.
#
#   * the `iot-gateway` system user and group (no login, no home);
#   * directories and modes: /etc/iot-gateway 0750 root:iot-gateway (config 0640
#     root:iot-gateway, private keys 0600 iot-gateway, jwt/ 0700 iot-gateway),
#     /var/log/iot-gateway 0750 iot-gateway, /var/lib/iot-gateway 0700 iot-gateway
#     (threat model CL-1, CL-3, SP-3);
#   * an sshd drop-in refusing password, keyboard-interactive and root login;
#   * a sysctl drop-in (SYN cookies, rp_filter, no redirects or source routes,
#     kptr/dmesg restrictions, fs.protected_*, …) (DOS-1, host hardening);
#   * the kit's logrotate file, fail2ban jail and filter, and systemd unit.
#
# Idempotent: every step compares first and changes only what differs, so a second run
# changes nothing (not even a timestamp). --dry-run prints each change and makes none.
# With --root DIR it works on the tree under DIR (for images and for tests) and leaves
# the running system alone: no sysctl is applied and no service is reloaded.
set -euo pipefail

readonly PROG=${0##*/}
readonly SVC=iot-gateway
KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
  cat <<EOF
Usage: $PROG [--root DIR] [--dry-run]

Hardens this host for iot-gateway (needs root).

  --root DIR   work on the directory tree DIR instead of / (no live changes:
               sysctl values are written but not applied, services not reloaded)
  --dry-run    print every change that would be made; make none
  -h, --help   this text

Exit status: 0 ok, 1 a step failed, 2 usage error.
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

ROOT=/
DRY=0
while [ "$#" -gt 0 ]; do
  case $1 in
    --root)
      if [ "$#" -lt 2 ] || [ -z "$2" ]; then die_usage "option --root needs a directory"; fi
      ROOT=$2
      shift
      ;;
    --dry-run) DRY=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown option '$1'" ;;
  esac
  shift
done
[ -d "$ROOT" ] || die_usage "--root: '$ROOT' is not a directory"
ROOT=$(cd "$ROOT" && pwd)
LIVE=0
[ "$ROOT" = / ] && LIVE=1
[ "$(id -u)" -eq 0 ] || die "must run as root (it creates a system user and sets owners)"
for f in fail2ban/filter.d/iot-gateway.conf fail2ban/jail.local logrotate/iot-gateway \
  systemd/iot-gateway.service; do
  [ -f "$KIT/$f" ] || die "kit file $KIT/$f is missing (run the script from examples/deploy)"
done

# r PATH : PATH inside the target tree.
r() { printf '%s%s' "${ROOT%/}" "$1"; }

CHANGES=0
# change DESCRIPTION CMD... : runs CMD (or, with --dry-run, only says it would).
change() {
  local what=$1
  shift
  CHANGES=$((CHANGES + 1))
  if [ "$DRY" -eq 1 ]; then
    echo "would: $what"
  else
    echo "change: $what"
    "$@"
  fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/harden.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- account ------------------------------------------------------------------------
# Ids come from the target tree's own files, so --root never consults the host's.
# On the live system, NSS answers (the account may come from a directory service).
lookup_id() {  # FILE NAME → numeric id, or nothing
  if [ "$LIVE" -eq 1 ]; then
    case $1 in
      */passwd) getent passwd "$2" | cut -d: -f3 ;;
      *) getent group "$2" | cut -d: -f3 ;;
    esac
    return 0
  fi
  [ -f "$1" ] || return 0
  awk -F: -v n="$2" '$1 == n { print $3; exit }' "$1"
}
prefix=()
[ "$LIVE" -eq 1 ] || prefix=(--prefix "$ROOT")

if [ -z "$(lookup_id "$(r /etc/group)" "$SVC")" ]; then
  change "create system group $SVC" groupadd --system "${prefix[@]}" "$SVC"
fi
if [ -z "$(lookup_id "$(r /etc/passwd)" "$SVC")" ]; then
  change "create system user $SVC (no login shell, no home)" \
    useradd --system "${prefix[@]}" --gid "$SVC" --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin --comment "iot-pki gateway" "$SVC"
fi
SVC_UID=$(lookup_id "$(r /etc/passwd)" "$SVC")
SVC_GID=$(lookup_id "$(r /etc/group)" "$SVC")
# In a dry run on a fresh host the account does not exist yet: owner checks then
# report a change, which is what a real run would make.
: "${SVC_UID:=unknown}" "${SVC_GID:=unknown}"

# --- files and directories ----------------------------------------------------------
# owner_ok PATH MODE UID GID : PATH has exactly this mode and owner.
owner_ok() {
  local now
  now=$(stat -c '%a %u %g' "$1")
  [ "$now" = "$(printf '%o' "$((8#$2))") $3 $4" ]
}
set_owner_mode() {  # PATH MODE UID GID
  chown -h "$3:$4" "$1"
  chmod "$2" "$1"
}

# ensure_dir PATH MODE UID GID (PATH inside the tree)
ensure_dir() {
  local p
  p=$(r "$1")
  if [ -L "$p" ]; then die "$p is a symlink; refusing to change it"; fi
  if [ ! -d "$p" ]; then
    change "create $1 ($2 $3:$4)" install -d -m "$2" -o "$3" -g "$4" "$p"
  elif ! owner_ok "$p" "$2" "$3" "$4"; then
    change "set $1 to $2 $3:$4 (was $(stat -c '%a %u:%g' "$p"))" set_owner_mode "$p" "$2" "$3" "$4"
  fi
}

# ensure_perm PATH MODE UID GID (existing regular file, absolute path in the tree)
ensure_perm() {
  if ! owner_ok "$1" "$2" "$3" "$4"; then
    change "set ${1#"${ROOT%/}"} to $2 $3:$4 (was $(stat -c '%a %u:%g' "$1"))" \
      set_owner_mode "$1" "$2" "$3" "$4"
  fi
}

# put_file SRC DEST MODE : DEST (in the tree, owned root:root) gets SRC's bytes,
# replaced atomically (temp file in the same directory, then rename).
put_file() {
  local src=$1 dest
  dest=$(r "$2")
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    ensure_perm "$dest" "$3" 0 0
    return 0
  fi
  # A missing parent is created 0755 root:root; an existing one is left as it is.
  if [ ! -d "$(dirname "$dest")" ]; then
    change "create $(dirname "$2") (0755 0:0)" mkdir -p -m 0755 "$(dirname "$dest")"
  fi
  change "install $2 ($3 root:root)" put_file_now "$src" "$dest" "$3"
  INSTALLED+=("$2")
}
put_file_now() {
  local tmp
  tmp=$(mktemp "$(dirname "$2")/.${2##*/}.XXXXXX")
  install -m "$3" -o 0 -g 0 "$1" "$tmp"
  mv -f "$tmp" "$2"
}
INSTALLED=()

# Layout the gateway's config uses (docs/deploy.md shows the matching gateway.toml).
ensure_dir /etc/iot-gateway 0750 0 "$SVC_GID"
ensure_dir /etc/iot-gateway/trust 0750 0 "$SVC_GID"
ensure_dir /etc/iot-gateway/jwt 0700 "$SVC_UID" "$SVC_GID"
ensure_dir /var/log/iot-gateway 0750 "$SVC_UID" "$SVC_GID"
ensure_dir /var/lib/iot-gateway 0700 "$SVC_UID" "$SVC_GID"

# What is already there: private keys readable by the service only; config,
# certificates and CRLs readable by the service, writable by root only.
etc_gw=$(r /etc/iot-gateway)
if [ -d "$etc_gw" ]; then
  while IFS= read -r -d '' f; do
    case $f in
      *.key) ensure_perm "$f" 0600 "$SVC_UID" "$SVC_GID" ;;
      *.toml | *.crt | *.pem | *.json) ensure_perm "$f" 0640 0 "$SVC_GID" ;;
      *) ;;
    esac
  done < <(find "$etc_gw" -type f -print0 | LC_ALL=C sort -z)
fi
log_dir=$(r /var/log/iot-gateway)
if [ -d "$log_dir" ]; then
  while IFS= read -r -d '' f; do
    ensure_perm "$f" 0640 "$SVC_UID" "$SVC_GID"
  done < <(find "$log_dir" -maxdepth 1 -type f -name '*.log' -print0 | LC_ALL=C sort -z)
fi

# --- sshd -----------------------------------------------------------------------------
# The drop-in is read through the Include at the top of Debian's sshd_config; sshd
# keeps the first value it reads, and "00-" sorts before other drop-ins (such as a
# cloud image's 50-cloud-init.conf that turns passwords back on).
cat >"$WORK/sshd.conf" <<'EOF'
# Installed by harden_linux.sh (iot-pki deployment kit). Keys only; no root login.
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
PermitRootLogin no
PubkeyAuthentication yes
AuthenticationMethods publickey
MaxAuthTries 3
LoginGraceTime 30
X11Forwarding no
AllowAgentForwarding no
PermitUserEnvironment no
EOF
SSHD_CHANGED=0
sshd_config=$(r /etc/ssh/sshd_config)
sshd_dropin=$(r /etc/ssh/sshd_config.d/00-iot-gateway-hardening.conf)
# Copies of what is there now, to put back if sshd rejects the result (live only).
mkdir -p "$WORK/sshd-backup"
if [ -f "$sshd_config" ]; then cp -p "$sshd_config" "$WORK/sshd-backup/sshd_config"; fi
if [ -f "$sshd_dropin" ]; then cp -p "$sshd_dropin" "$WORK/sshd-backup/dropin"; fi
restore_sshd() {
  cp -p "$WORK/sshd-backup/sshd_config" "$sshd_config"
  if [ -f "$WORK/sshd-backup/dropin" ]; then
    cp -p "$WORK/sshd-backup/dropin" "$sshd_dropin"
  else
    rm -f "$sshd_dropin"
  fi
}
if [ -f "$sshd_config" ]; then
  n_before=${#INSTALLED[@]}
  put_file "$WORK/sshd.conf" /etc/ssh/sshd_config.d/00-iot-gateway-hardening.conf 0644
  [ "${#INSTALLED[@]}" -eq "$n_before" ] || SSHD_CHANGED=1
  if ! grep -Eq '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf[[:space:]]*$' "$sshd_config"; then
    add_include() {
      local tmp
      tmp=$(mktemp "$(dirname "$sshd_config")/.sshd_config.XXXXXX")
      { echo 'Include /etc/ssh/sshd_config.d/*.conf'; cat "$sshd_config"; } >"$tmp"
      chmod --reference="$sshd_config" "$tmp"
      chown --reference="$sshd_config" "$tmp"
      mv -f "$tmp" "$sshd_config"
    }
    change "add 'Include /etc/ssh/sshd_config.d/*.conf' at the top of /etc/ssh/sshd_config" add_include
    SSHD_CHANGED=1
  fi
else
  echo "note: no /etc/ssh/sshd_config under $ROOT (openssh-server not installed); sshd step skipped"
fi

# --- sysctl ---------------------------------------------------------------------------
cat >"$WORK/sysctl.conf" <<'EOF'
# Installed by harden_linux.sh (iot-pki deployment kit).
# TCP: SYN cookies keep accepting under a SYN flood (threat model DOS-1).
net.ipv4.tcp_syncookies = 1
net.ipv4.tcp_max_syn_backlog = 4096
net.ipv4.tcp_synack_retries = 2
net.ipv4.tcp_rfc1337 = 1
# Reverse-path filter: drop packets whose source could not be routed back.
net.ipv4.conf.all.rp_filter = 1
net.ipv4.conf.default.rp_filter = 1
# No ICMP redirects (accepted or sent), no source routing.
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
net.ipv4.conf.all.secure_redirects = 0
net.ipv4.conf.default.secure_redirects = 0
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.default.send_redirects = 0
net.ipv6.conf.all.accept_redirects = 0
net.ipv6.conf.default.accept_redirects = 0
net.ipv4.conf.all.accept_source_route = 0
net.ipv4.conf.default.accept_source_route = 0
net.ipv6.conf.all.accept_source_route = 0
net.ipv6.conf.default.accept_source_route = 0
net.ipv4.conf.all.log_martians = 1
net.ipv4.icmp_echo_ignore_broadcasts = 1
net.ipv4.icmp_ignore_bogus_error_responses = 1
# Kernel: hide kernel pointers and the kernel log; no unprivileged BPF; hardened JIT.
kernel.kptr_restrict = 2
kernel.dmesg_restrict = 1
kernel.unprivileged_bpf_disabled = 1
net.core.bpf_jit_harden = 2
kernel.perf_event_paranoid = 3
# "-": optional (only kernels with the Yama LSM); systemd-sysctl skips it quietly.
-kernel.yama.ptrace_scope = 1
fs.suid_dumpable = 0
# Files: no link or FIFO tricks in world-writable sticky directories.
fs.protected_hardlinks = 1
fs.protected_symlinks = 1
fs.protected_fifos = 2
fs.protected_regular = 2
EOF
put_file "$WORK/sysctl.conf" /etc/sysctl.d/90-iot-gateway.conf 0644

# Live: bring each running value in line (only those that differ, so a second run
# is quiet). Keys this kernel lacks are named, not fatal.
if [ "$LIVE" -eq 1 ]; then
  while IFS='=' read -r key value; do
    key=${key//[[:space:]]/}
    value=${value//[[:space:]]/}
    case $key in '' | \#*) continue ;; esac
    key=${key#-}
    proc=/proc/sys/${key//.//}
    if [ ! -e "$proc" ]; then
      echo "note: sysctl $key does not exist on this kernel; skipped"
      continue
    fi
    now=$(tr -s '[:space:]' ' ' <"$proc" | sed 's/ $//')
    if [ "$now" != "$value" ]; then
      change "sysctl $key = $value (was $now)" sysctl -q -w "$key=$value"
    fi
  done <"$WORK/sysctl.conf"
fi

# --- the kit's service files ------------------------------------------------------------
n_f2b=${#INSTALLED[@]}
put_file "$KIT/fail2ban/filter.d/iot-gateway.conf" /etc/fail2ban/filter.d/iot-gateway.conf 0644
put_file "$KIT/fail2ban/jail.local" /etc/fail2ban/jail.d/iot-gateway.local 0644
F2B_CHANGED=$((${#INSTALLED[@]} - n_f2b))
put_file "$KIT/logrotate/iot-gateway" /etc/logrotate.d/iot-gateway 0644
n_unit=${#INSTALLED[@]}
put_file "$KIT/systemd/iot-gateway.service" /etc/systemd/system/iot-gateway.service 0644
UNIT_CHANGED=$((${#INSTALLED[@]} - n_unit))

# --- live services ----------------------------------------------------------------------
if [ "$LIVE" -eq 1 ] && [ "$DRY" -eq 0 ]; then
  if [ "$SSHD_CHANGED" -eq 1 ] && command -v sshd >/dev/null; then
    mkdir -p /run/sshd
    if ! sshd -t; then
      restore_sshd
      die "sshd -t rejects the new configuration; the previous sshd files are restored and ssh was not reloaded"
    fi
    if [ -d /run/systemd/system ] && systemctl is-active --quiet ssh.service; then
      echo "change: reload ssh.service"
      systemctl reload ssh.service
    fi
  fi
  if [ -d /run/systemd/system ]; then
    if [ "$UNIT_CHANGED" -gt 0 ]; then
      echo "change: systemctl daemon-reload"
      systemctl daemon-reload
    fi
    if [ "$F2B_CHANGED" -gt 0 ] && systemctl is-active --quiet fail2ban.service; then
      echo "change: reload fail2ban"
      fail2ban-client reload
    fi
  fi
fi

if [ "$CHANGES" -eq 0 ]; then
  echo "$PROG: nothing to change"
elif [ "$DRY" -eq 1 ]; then
  echo "$PROG: dry run: $CHANGES change(s) listed, none made"
else
  echo "$PROG: $CHANGES change(s) made"
fi
