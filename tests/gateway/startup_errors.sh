#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An error that stops the gateway is printed once, as "iot-gateway: error: <why>", with
# its exit status, in both spellings of the foreground command (`iot-gateway run
# --config F` and the systemd form `iot-gateway --config F`).
# Fails before the fix: `run` printed the error, then app::run printed a second line,
# "iot-gateway: error: gateway stopped with an error".
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
gw_config

# once CODE WHY ARGS... : stderr is one error (its first line "iot-gateway: error: …";
# a config error's problems follow, indented), naming WHY.
once() {
  local code=$1 why=$2
  shift 2
  expect_exit "$code" iot-gateway "$@"
  [ "$(grep -c '^iot-gateway' "$T/last.err")" -eq 1 ] || fail "iot-gateway $*: want one error: $(cat "$T/last.err")"
  head -n 1 "$T/last.err" | grep -q '^iot-gateway: error: ' || fail "iot-gateway $*: not an error line: $(cat "$T/last.err")"
  expect_err_contains "$why"
}

for form in "run --config" "--config"; do
  # shellcheck disable=SC2086 # the form is two words on purpose
  once 66 "no such file" $form "$T/absent.toml"
  sed 's/^threads = 2$/threads = "many"/' "$GW/gateway.toml" >"$GW/bad.toml"
  # shellcheck disable=SC2086
  once 78 "threads" $form "$GW/bad.toml"
  pass "iot-gateway $form: a missing or bad config is one error line with its status"
done

# A start-up failure after the config loaded (the listen port is taken).
"$PY" -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(30)' "$GW_PORT" &
track_pid $!
wait_for "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$GW_PORT"
for form in "run --config" "--config"; do
  # shellcheck disable=SC2086
  once 78 "server.listen" $form "$GW/gateway.toml"
done
pass "a port already in use: one error line naming server.listen, both forms"
finish
