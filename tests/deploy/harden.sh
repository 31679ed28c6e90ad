#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# harden_linux.sh --root on a scratch tree that looks like a stock Debian host (stock
# sshd_config, a cloud-init drop-in that turns passwords on, loose key modes):
#   * --dry-run lists the changes and changes nothing (tree hash, mtimes included);
#   * a real run creates the account, directories and modes, drop-ins and kit files;
#   * sshd accepts the result (sshd -t) and its effective config (sshd -T) refuses
#     password, keyboard-interactive and root login; a real sshd started from that
#     config offers a password-trying client nothing but publickey;
#   * every sysctl key is real; the network ones take their value in a namespace;
#   * a second run is a no-op (tree hash unchanged).
# sshd runs in a private mount namespace (the tree's /etc/ssh bound over /etc/ssh) inside
# a private network namespace (loopback only), so the host's sshd and /etc are untouched.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

need_root
need_cmd sshd openssh-server
need_cmd ssh openssh-client
need_cmd ssh-keygen openssh-client
need_cmd useradd passwd
need_cmd unshare util-linux
H="$DEPLOY_DIR/harden_linux.sh"
STOCK_SSHD=/usr/share/openssh/sshd_config
[ -f "$STOCK_SSHD" ] || fail "no stock $STOCK_SSHD (openssh-server)"

# A scratch "host": stock-looking account files and sshd config, loose modes.
make_tree() {  # DIR
  local R=$1
  mkdir -p "$R/etc/ssh/sshd_config.d" "$R/etc/iot-gateway/trust" "$R/etc/iot-gateway/jwt" \
    "$R/var/log/iot-gateway" "$R/usr/share"
  printf 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n' >"$R/etc/passwd"
  printf 'root:x:0:\ndaemon:x:1:\nadm:x:4:\n' >"$R/etc/group"
  printf 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n' >"$R/etc/shadow"
  printf 'root:*::\ndaemon:*::\nadm:*::\n' >"$R/etc/gshadow"
  chmod 0640 "$R/etc/shadow" "$R/etc/gshadow"
  cp /etc/login.defs "$R/etc/login.defs"
  cp "$STOCK_SSHD" "$R/etc/ssh/sshd_config"
  echo 'PasswordAuthentication yes' >"$R/etc/ssh/sshd_config.d/50-cloud-init.conf"
  ssh-keygen -q -t ed25519 -N '' -C test-host -f "$R/etc/ssh/ssh_host_ed25519_key"
  printf '[server]\nlisten = "0.0.0.0:8443"\n' >"$R/etc/iot-gateway/gateway.toml"
  echo 'not a real key' >"$R/etc/iot-gateway/server.key"
  echo 'not a real key' >"$R/etc/iot-gateway/jwt/k1.key"
  echo 'cert' >"$R/etc/iot-gateway/server.crt"
  echo 'bundle' >"$R/etc/iot-gateway/trust/ca-bundle.pem"
  echo '{}' >"$R/var/log/iot-gateway/audit.log"
  chmod 0644 "$R/etc/iot-gateway/"*.key "$R/etc/iot-gateway/jwt/k1.key" "$R/etc/iot-gateway/gateway.toml" \
    "$R/var/log/iot-gateway/audit.log"
  chmod 0755 "$R/etc/iot-gateway" "$R/etc/iot-gateway/jwt" "$R/var/log/iot-gateway"
}
R="$T/root"
make_tree "$R"
host_accounts=$(cat /etc/passwd /etc/group | sha256sum)

cat >"$T/sshd-inner.sh" <<'EOF'
#!/usr/bin/env bash
# In a private mount namespace inside a private network namespace.
set -euo pipefail
R=$1 OUT=$2 LIVE=$3
mount --bind "$R/etc/ssh" /etc/ssh
mount -t tmpfs tmpfs /run
mkdir -p /run/sshd
chmod 0755 /run/sshd
sshd -t -f /etc/ssh/sshd_config >"$OUT/sshd-t.out" 2>&1
sshd -T -f /etc/ssh/sshd_config -C user=alice,host=client.example,addr=127.0.0.1 >"$OUT/sshd-T.out" 2>&1
sshd -T -f /etc/ssh/sshd_config -C user=root,host=client.example,addr=127.0.0.1 >"$OUT/sshd-T-root.out" 2>&1
[ "$LIVE" = 1 ] || exit 0
/usr/sbin/sshd -D -e -f /etc/ssh/sshd_config -o ListenAddress=127.0.0.1:2222 -o PidFile=/run/sshd.pid \
  2>"$OUT/sshd.log" &
sshd_pid=$!
trap 'kill "$sshd_pid" 2>/dev/null || true; wait "$sshd_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/2222) 2>/dev/null && break
  sleep 0.1
done
rc=0
timeout 20 ssh -v -F /dev/null -p 2222 -o BatchMode=yes -o ConnectTimeout=5 \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes \
  -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive \
  alice@127.0.0.1 true >"$OUT/ssh.out" 2>&1 || rc=$?
echo "$rc" >"$OUT/ssh.rc"
EOF
new_netns SSHNS ssh

# The scratch tree as it comes: the cloud-init drop-in really turns passwords on.
ip netns exec "$SSHNS" unshare --mount bash "$T/sshd-inner.sh" "$R" "$T" 0 >"$T/inner0.out" 2>&1 ||
  fail "sshd checks on the stock tree failed: $(cat "$T/inner0.out" "$T/sshd-t.out")"
grep -qx "passwordauthentication yes" "$T/sshd-T.out" || fail "stock tree does not allow passwords; the test proves nothing"
pass "before hardening, the stock tree's sshd allows password login"

# --- usage --------------------------------------------------------------------------
expect_exit 2 bash "$H" --bogus
expect_err_contains "unknown option"
expect_exit 2 bash "$H" --root
expect_err_contains "--root"
expect_exit 2 bash "$H" --root "$T/no-such-dir"
pass "bad flags exit 2 with a message"

# --- dry run ------------------------------------------------------------------------
before=$(tree_hash "$R")
bash "$H" --root "$R" --dry-run >"$T/dry.out" 2>&1 || fail "dry run failed: $(cat "$T/dry.out")"
[ "$(tree_hash "$R")" = "$before" ] || fail "--dry-run changed the tree"
for want in "would: create system user iot-gateway" \
  "would: install /etc/ssh/sshd_config.d/00-iot-gateway-hardening.conf" \
  "would: install /etc/sysctl.d/90-iot-gateway.conf" \
  "would: install /etc/fail2ban/jail.d/iot-gateway.local" \
  "would: install /etc/fail2ban/filter.d/iot-gateway.conf" \
  "would: install /etc/logrotate.d/iot-gateway" \
  "would: install /etc/systemd/system/iot-gateway.service" \
  "would: set /etc/iot-gateway/server.key to 0600" \
  "would: create /var/lib/iot-gateway"; do
  grep -qF -- "$want" "$T/dry.out" || fail "--dry-run does not list '$want': $(cat "$T/dry.out")"
done
pass "--dry-run lists every change and leaves the tree unchanged"

# --- real run -----------------------------------------------------------------------
bash "$H" --root "$R" >"$T/run1.out" 2>&1 || fail "run failed: $(cat "$T/run1.out")"
uid=$(awk -F: '$1 == "iot-gateway" { print $3 }' "$R/etc/passwd")
gid=$(awk -F: '$1 == "iot-gateway" { print $3 }' "$R/etc/group")
if [ -z "$uid" ] || [ -z "$gid" ]; then fail "no iot-gateway user/group in the tree"; fi
[ "$uid" -lt 1000 ] || fail "iot-gateway uid $uid is not a system uid"
grep -q "^iot-gateway:x:$uid:$gid:[^:]*:/nonexistent:/usr/sbin/nologin$" "$R/etc/passwd" ||
  fail "account not a no-login system account: $(grep iot-gateway "$R/etc/passwd")"
grep -q '^iot-gateway:!' "$R/etc/shadow" || fail "account password not locked"
[ "$(cat /etc/passwd /etc/group | sha256sum)" = "$host_accounts" ] || fail "--root changed the host's accounts"
pass "system user and group iot-gateway ($uid:$gid), no shell, no home, locked"

expect_mode() {  # PATH MODE UID GID
  local got
  got=$(stat -c '%a %u %g' "$R$1")
  [ "$got" = "$2 $3 $4" ] || fail "$1 is '$got', want '$2 $3 $4'"
}
expect_mode /etc/iot-gateway 750 0 "$gid"
expect_mode /etc/iot-gateway/gateway.toml 640 0 "$gid"
expect_mode /etc/iot-gateway/server.crt 640 0 "$gid"
expect_mode /etc/iot-gateway/server.key 600 "$uid" "$gid"
expect_mode /etc/iot-gateway/jwt 700 "$uid" "$gid"
expect_mode /etc/iot-gateway/jwt/k1.key 600 "$uid" "$gid"
expect_mode /etc/iot-gateway/trust 750 0 "$gid"
expect_mode /etc/iot-gateway/trust/ca-bundle.pem 640 0 "$gid"
expect_mode /var/log/iot-gateway 750 "$uid" "$gid"
expect_mode /var/log/iot-gateway/audit.log 640 "$uid" "$gid"
expect_mode /var/lib/iot-gateway 700 "$uid" "$gid"
pass "keys 0600 and config 0640 root:iot-gateway; log dir 0750 and state dir 0700 owned by the service"

for pair in \
  "fail2ban/filter.d/iot-gateway.conf:/etc/fail2ban/filter.d/iot-gateway.conf" \
  "fail2ban/jail.local:/etc/fail2ban/jail.d/iot-gateway.local" \
  "logrotate/iot-gateway:/etc/logrotate.d/iot-gateway" \
  "systemd/iot-gateway.service:/etc/systemd/system/iot-gateway.service"; do
  cmp -s "$DEPLOY_DIR/${pair%%:*}" "$R${pair#*:}" || fail "${pair#*:} differs from the kit's ${pair%%:*}"
  expect_mode "${pair#*:}" 644 0 0
done
pass "logrotate, fail2ban and systemd files installed byte-for-byte, 0644 root"

# --- sysctl -------------------------------------------------------------------------
SYSCTL="$R/etc/sysctl.d/90-iot-gateway.conf"
[ -f "$SYSCTL" ] || fail "no sysctl drop-in"
for want in net.ipv4.tcp_syncookies net.ipv4.conf.all.rp_filter net.ipv4.conf.all.accept_redirects \
  kernel.kptr_restrict fs.protected_symlinks fs.protected_hardlinks fs.protected_regular; do
  grep -q "^$want = " "$SYSCTL" || fail "sysctl drop-in lacks $want"
done
new_netns NS sysctl
: >"$T/net.conf"
while IFS='=' read -r key value; do
  key=${key//[[:space:]]/}
  value=${value//[[:space:]]/}
  case $key in '' | \#*) continue ;; esac
  optional=0
  if [ "${key#-}" != "$key" ]; then optional=1; key=${key#-}; fi
  proc=/proc/sys/${key//.//}
  if [ ! -e "$proc" ]; then
    [ "$optional" -eq 1 ] || fail "sysctl $key does not exist on this kernel (typo?)"
    echo "# optional sysctl $key absent on this kernel (allowed by its '-' prefix)"
    continue
  fi
  case $key in net.ipv4.* | net.ipv6.*) echo "$key=$value" >>"$T/net.conf" ;; esac
done <"$SYSCTL"
# Network keys are per namespace: apply them to the test's namespace and read back.
ip netns exec "$NS" sysctl -q -p "$T/net.conf" || fail "sysctl rejects the network settings"
while IFS='=' read -r key value; do
  got=$(ip netns exec "$NS" sysctl -n "$key")
  [ "$got" = "$value" ] || fail "sysctl $key reads $got after setting $value"
done <"$T/net.conf"
pass "every sysctl key exists; the $(wc -l <"$T/net.conf") network ones apply and read back in a namespace"

# --- sshd, for real -------------------------------------------------------------------
grep -qx 'PasswordAuthentication no' "$R/etc/ssh/sshd_config.d/00-iot-gateway-hardening.conf" ||
  fail "drop-in lacks PasswordAuthentication no"
ip netns exec "$SSHNS" unshare --mount bash "$T/sshd-inner.sh" "$R" "$T" 1 >"$T/inner.out" 2>&1 ||
  fail "sshd checks failed: $(cat "$T/inner.out" "$T/sshd-t.out" "$T/sshd-T.out" 2>/dev/null)"
pass "sshd -t -f accepts the hardened configuration"
for want in "passwordauthentication no" "kbdinteractiveauthentication no" "permitrootlogin no" \
  "permitemptypasswords no" "authenticationmethods publickey"; do
  grep -qx "$want" "$T/sshd-T.out" || fail "sshd -T lacks '$want' (the cloud-init drop-in must lose)"
  grep -qx "$want" "$T/sshd-T-root.out" || fail "sshd -T for root lacks '$want'"
done
pass "sshd -T: password, keyboard-interactive and root login refused, despite a drop-in saying yes"

[ "$(cat "$T/ssh.rc")" = 255 ] || fail "ssh exit $(cat "$T/ssh.rc"), want 255: $(cat "$T/ssh.out")"
methods=$(sed -n 's/.*Authentications that can continue: \([a-z,-]*\).*/\1/p' "$T/ssh.out" | tr -d '\r' | sort -u)
[ "$methods" = publickey ] || fail "server offers '$methods', want only publickey: $(cat "$T/ssh.out")"
grep -q 'Permission denied (publickey)' "$T/ssh.out" || fail "no 'Permission denied (publickey)': $(cat "$T/ssh.out")"
pass "a real sshd refuses a password login: only publickey is offered"

# --- idempotence --------------------------------------------------------------------
after1=$(tree_hash "$R")
bash "$H" --root "$R" >"$T/run2.out" 2>&1 || fail "second run failed: $(cat "$T/run2.out")"
[ "$(tree_hash "$R")" = "$after1" ] || fail "second run changed the tree: $(cat "$T/run2.out")"
grep -q 'nothing to change' "$T/run2.out" || fail "second run does not say it is a no-op: $(cat "$T/run2.out")"
bash "$H" --root "$R" --dry-run >"$T/dry2.out" 2>&1
if grep -q '^would:' "$T/dry2.out"; then fail "dry run after a run still lists changes: $(cat "$T/dry2.out")"; fi
pass "a second run is a no-op (tree hash unchanged, mtimes included)"

# --- an sshd_config without the Include line gets one, first ---------------------------
R2="$T/root2"
make_tree "$R2"
grep -v '^Include' "$STOCK_SSHD" >"$R2/etc/ssh/sshd_config"
bash "$H" --root "$R2" >"$T/run3.out" 2>&1 || fail "run on tree 2 failed: $(cat "$T/run3.out")"
[ "$(head -n1 "$R2/etc/ssh/sshd_config")" = 'Include /etc/ssh/sshd_config.d/*.conf' ] ||
  fail "Include not added as the first line"
ip netns exec "$SSHNS" unshare --mount bash "$T/sshd-inner.sh" "$R2" "$T" 0 >"$T/inner2.out" 2>&1 ||
  fail "sshd checks on tree 2 failed: $(cat "$T/inner2.out" "$T/sshd-t.out")"
grep -qx "passwordauthentication no" "$T/sshd-T.out" || fail "tree 2: sshd -T allows passwords"
after3=$(tree_hash "$R2")
bash "$H" --root "$R2" >/dev/null 2>&1
[ "$(tree_hash "$R2")" = "$after3" ] || fail "tree 2: second run changed the tree"
pass "an sshd_config without the drop-in Include gets it as its first line (idempotently)"
finish
