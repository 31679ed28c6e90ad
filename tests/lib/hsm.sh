# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# A SoftHSM token for a test, in the test's scratch directory (source after common.sh):
#   hsm_token LABEL   SOFTHSM2_CONF=$T/softhsm2.conf, a token LABEL initialised with the
#                     user PIN in $T/user.pin and the SO PIN in $T/so.pin (files, 0600).
#   hsm_settings HOME writes HOME/iot-pki.toml with [hsm] module = SoftHSM's (plus the
#                     low Argon2 cost) before iot-ca init / issuing-request reads it.
#   hsm_openssl_conf  $T/openssl-pkcs11.cnf: OpenSSL's pkcs11 engine bound to SoftHSM,
#                     for signing with a token key outside iot-ca (OPENSSL_CONF=…).
HSM_MODULE=${HSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

hsm_token() {
  local label=$1
  command -v softhsm2-util >/dev/null || fail "softhsm2-util missing (scripts/debian-packages.txt)"
  [ -r "$HSM_MODULE" ] || fail "SoftHSM module $HSM_MODULE missing"
  mkdir -p "$T/tokens"
  printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$T/tokens" >"$T/softhsm2.conf"
  export SOFTHSM2_CONF=$T/softhsm2.conf
  (umask 077 && printf 'so-pin-%s\n' "$RANDOM$RANDOM" >"$T/so.pin" &&
    printf 'user-pin-%s\n' "$RANDOM$RANDOM" >"$T/user.pin")
  # softhsm2-util takes PINs only in argv or at a prompt; this is the token's set-up in
  # a scratch directory, not an iot-pki command (those read the PIN from a file).
  softhsm2-util --init-token --free --label "$label" --so-pin "$(head -n1 "$T/so.pin")" \
    --pin "$(head -n1 "$T/user.pin")" >"$T/softhsm-init.out" 2>&1 ||
    fail "softhsm2-util --init-token: $(cat "$T/softhsm-init.out")"
}

hsm_settings() {
  local h=$1
  mkdir -p "$h" && chmod 700 "$h"
  printf '[hsm]\nmodule = "%s"\n\n[argon2]\nt_cost = 1\nm_cost_kib = 8192\n' "$HSM_MODULE" \
    >"$h/iot-pki.toml"
  chmod 600 "$h/iot-pki.toml"
}

hsm_openssl_conf() {
  cat >"$T/openssl-pkcs11.cnf" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
MODULE_PATH = $HSM_MODULE
init = 0
CNF
}
