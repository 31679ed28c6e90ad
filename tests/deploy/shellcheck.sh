#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every shell script of the deployment kit (and of these tests) parses (bash -n) and is
# clean under ShellCheck, with no exclusions.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

need_cmd shellcheck shellcheck
mapfile -t scripts < <(find "$DEPLOY_DIR" "$DEPLOY_TESTS" -type f -name '*.sh' | LC_ALL=C sort)
[ "${#scripts[@]}" -ge 2 ] || fail "no scripts found under $DEPLOY_DIR"
for f in "${scripts[@]}"; do
  bash -n "$f" || fail "bash -n: $f"
done
pass "bash -n accepts ${#scripts[@]} scripts"

# -x follows the '. lib.sh' sources; -P lets it find them next to each test.
if ! shellcheck -x -P "$DEPLOY_TESTS:$DEPLOY_TESTS/../lib" -S style "${scripts[@]}" >"$T/sc.out" 2>&1; then
  cat "$T/sc.out" >&2
  fail "shellcheck found problems"
fi
pass "shellcheck (all severities, no exclusions) is clean on ${#scripts[@]} scripts"

for f in "$DEPLOY_DIR"/*.sh; do
  [ -x "$f" ] || fail "$f is not executable"
  [ "$(head -n1 "$f")" = '#!/usr/bin/env bash' ] || fail "$f lacks a bash shebang"
  grep -qx 'set -euo pipefail' "$f" || fail "$f lacks 'set -euo pipefail'"
done
pass "kit scripts are executable, bash, and run with set -euo pipefail"

# The tests' Python helpers parse (without writing __pycache__ into the tree).
for f in "$DEPLOY_TESTS"/*.py; do
  "$PY" -c 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])' "$f" ||
    fail "python syntax: $f"
done
pass "test helpers (Python) parse"
finish
