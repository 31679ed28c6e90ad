#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bash completion (packaging/completions/iot-pki.bash, installed under each tool's name):
# sourced into bash, it completes subcommands, their options, the global options in a
# subcommand, and choice values, from the real binaries' --help. Also: every --help ends
# with examples, and a subcommand's help lists the global options (--home, --json).
# Fails before the fix: the baseline ships no completion file, and its subcommand help
# has neither examples nor --home/--json.
. "$(dirname "$0")/../lib/common.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=packaging/completions/iot-pki.bash
. "$SRC/packaging/completions/iot-pki.bash"
set +u  # bash-completion scripts run with nounset off, as in an interactive shell

# complete_words WORD...: what <TAB> offers after the words (the last one is completed).
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _iot_pki
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
offers() {  # offers "WANT..." WORD...: each of WANT is among the completions
  local want=$1 w
  shift
  local got
  got=$(complete_words "$@")
  for w in $want; do
    grep -qx -- "$w" <<<"$got" || fail "'$*' does not offer $w (got: $(echo "$got" | tr '\n' ' '))"
  done
}

[ "$(complete -p iot-ca)" = "complete -F _iot_pki iot-ca" ] || fail "iot-ca has no completion"
offers "sign" iot-ca si
offers "init intermediate" iot-ca in
offers "--profile" iot-ca sign --pro
offers "device server admin" iot-ca sign --csr x.csr --profile ""
offers "active revoked expired" iot-ca list --status ""
offers "verify" iot-ca journal ""
offers "crl cert" iot-revoke c
offers "--device-id --ttl" iot-provision token --
offers "check-config jwt-key audit" iot-gateway ""
offers "--config" iot-gateway check-config --c
[ "$(complete_words iot-ca sign --pro)" = "--profile" ] || fail "--pro: $(complete_words iot-ca sign --pro)"
pass "subcommands, their options and choice values complete for the four tools"
offers "--home --json" iot-ca sign --
offers "--home" iot-revoke crl --h
pass "a subcommand completes the global options --home and --json"

for cmd in "iot-ca sign" "iot-ca list" "iot-provision enroll" "iot-revoke crl" "iot-ca journal verify"; do
  # shellcheck disable=SC2086
  $cmd --help >"$T/help" || fail "$cmd --help"
  grep -q -- "--home DIR" "$T/help" || fail "$cmd --help does not show --home: $(cat "$T/help")"
  grep -q -- "--json" "$T/help" || fail "$cmd --help does not show --json"
done
pass "subcommand help lists the global options"

# Every command's help ends with examples, each example a command of that tool.
for tool in iot-ca iot-provision iot-revoke iot-gateway; do
  paths=("$tool")
  if [ "$tool" = iot-gateway ]; then
    paths+=("$tool run" "$tool check-config" "$tool jwt-key" "$tool jwt-key new" "$tool audit" "$tool audit verify")
  else
    while read -r sub; do
      paths+=("$tool $sub")
      while read -r subsub; do paths+=("$tool $sub $subsub"); done < <(
        # shellcheck disable=SC2086
        $tool $sub --help | _iot_pki_words | grep -v '^-' || true)
    done < <($tool --help | _iot_pki_words | grep -v '^-')
  fi
  for p in "${paths[@]}"; do
    # shellcheck disable=SC2086
    $p --help >"$T/help" || fail "$p --help"
    awk '/^Examples:/ {e = 1; next} e && !NF {exit} e' "$T/help" >"$T/examples"
    [ -s "$T/examples" ] || fail "$p --help has no examples: $(cat "$T/help")"
    if grep -qv "^  $tool\( \|$\)\|^  openssl .* | $tool " "$T/examples"; then
      fail "$p --help: an example that is not a $tool command: $(cat "$T/examples")"
    fi
  done
done
pass "every --help of the four tools ends with examples"
finish
