# SPDX-License-Identifier: Apache-2.0
# bash completion for iot-ca, iot-provision, iot-revoke and iot-gateway, installed under
# each name in /usr/share/bash-completion/completions. The words come from the
# binary's own --help (subcommands, options, the global options every subcommand's help
# lists, and {a,b,c} choices), so completion cannot fall behind the commands.

# _iot_pki_help TOOL [SUBCOMMAND...]: the help text of that command.
_iot_pki_help() {
  "$@" --help 2>/dev/null
}

# Subcommands (from the "Subcommands:" block) and options of a help text on stdin.
_iot_pki_words() {
  awk '
    /^Subcommands:/ { sub_block = 1; next }
    /^$/ { sub_block = 0 }
    sub_block && /^  [a-z]/ { print $1; next }
    /^  +-/ {
      n = split($1, names, ",")
      for (i = 1; i <= n; i++) if (names[i] ~ /^--[a-z]/) print names[i]
    }'
}

_iot_pki() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=${COMP_WORDS[COMP_CWORD - 1]}
  local tool=${COMP_WORDS[0]}
  local -a cmd=("$tool")
  local i w words
  COMPREPLY=()
  # The subcommand path typed so far (options and their values skipped).
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    [[ $w == -* ]] && continue
    if _iot_pki_help "${cmd[@]}" | _iot_pki_words | grep -qx -- "$w"; then
      cmd+=("$w")
    fi
  done
  case $prev in
    --home | --out-dir | --dir | --keys-dir)
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return
      ;;
    --config | --csr | --out | --passphrase-file | --token-file | --batch | --report | --pin-file | --manifest)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    --profile) words="device server admin" ;;
    --key) words="rsa4096 ec-p384 ec-p256" ;;
    --reason)
      words="unspecified keyCompromise cACompromise affiliationChanged superseded"
      words+=" cessationOfOperation certificateHold privilegeWithdrawn"
      ;;
    -*)
      # A choice list in the help: "--status TEXT:{active,revoked,expired}".
      words=$(_iot_pki_help "${cmd[@]}" | awk -v opt="$prev" '
        $1 == opt && match($0, /:\{[^}]*\}/) {
          s = substr($0, RSTART + 2, RLENGTH - 3); gsub(",", " ", s); print s }')
      ;;
  esac
  if [[ -z $words ]]; then
    if [[ ${#cmd[@]} -eq 1 && $tool == *iot-gateway ]]; then
      # `iot-gateway --help` is the service's own; its tools are subcommands.
      words="run check-config jwt-key audit --config --version --help"
    else
      words=$(_iot_pki_help "${cmd[@]}" | _iot_pki_words)
    fi
  fi
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}

complete -F _iot_pki iot-ca iot-provision iot-revoke iot-gateway
