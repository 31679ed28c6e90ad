#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Puts the licence tag `SPDX-License-Identifier: Apache-2.0` on the first line (after a
# shebang) of every tracked source file that lacks it: C++ (`//`), shell, Python and
# CMake (`#`).
#   scripts/spdx.sh [PATH…]          add the tag where it is missing (edits in place)
#   scripts/spdx.sh --check [PATH…]  list the files without it; exit 1 if there are any
# PATHs (files or folders) limit it to those; the default is the whole tree.
# The tag counts as a line of its own among the first three (after a shebang, an
# encoding line).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly TAG='SPDX-License-Identifier: Apache-2.0'

mode=add
case "${1:-}" in
  --check)
    mode=check
    shift
    ;;
  -h | --help)
    sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  -*)
    echo "usage: $0 [--check] [PATH...]" >&2
    exit 2
    ;;
esac

# The comment leader for a path, or nothing when the file is not source code.
leader() {
  case "$1" in
    *.cpp | *.hpp | *.hpp.in | *.h | *.c) echo '//' ;;
    *.sh | *.py | *.cmake | */CMakeLists.txt | CMakeLists.txt | .ci/run) echo "#" ;;
    packaging/*/preinst | packaging/*/postinst | packaging/*/prerm | packaging/*/postrm) echo "#" ;;
    *) ;;
  esac
}

missing=0
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue
  lead=$(leader "$f")
  [ -n "$lead" ] || continue
  if head -n 3 "$f" | grep -qxF "$lead $TAG"; then
    continue
  fi
  missing=$((missing + 1))
  if [ "$mode" = check ]; then
    echo "$f"
    continue
  fi
  tmp=$(mktemp "$f.spdx.XXXXXX")
  if head -n 1 "$f" | grep -q '^#!'; then
    { head -n 1 "$f"; echo "$lead $TAG"; tail -n +2 "$f"; } >"$tmp"
  else
    { echo "$lead $TAG"; cat "$f"; } >"$tmp"
  fi
  chmod --reference="$f" "$tmp"
  mv "$tmp" "$f"
  echo "tagged $f"
done < <(git ls-files -z -- "$@")

if [ "$mode" = check ]; then
  if [ "$missing" -gt 0 ]; then
    echo "spdx: $missing source file(s) lack '$TAG'; run scripts/spdx.sh" >&2
    exit 1
  fi
  echo "spdx: every tracked source file carries '$TAG'"
fi
