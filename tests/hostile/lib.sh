# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for the hostile suite. Source after ../lib/common.sh and ../gateway/lib.sh.
HOSTILE_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# hostile_backend_start [LOG]: the misbehaving backend (hostile_backend.py) on $BE_PORT,
# ready before it returns; with LOG, it records every request it receives there (empty
# at return, so a test can assert that nothing reached the backend).
hostile_backend_start() {
  "$PY" "$HOSTILE_SRC/hostile_backend.py" "$BE_PORT" "$@" &
  BE_PID=$!
  track_pid "$BE_PID"
  wait_for curl -sf "http://127.0.0.1:$BE_PORT/api/echo"
  if [ $# -gt 0 ]; then rm -f "$1"; fi
}
