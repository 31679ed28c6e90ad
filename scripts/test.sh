#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# README command 2: install what is missing, build, run the whole suite (Release),
# then the same suite under ASan+UBSan, then a short run of every fuzz target.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
jobs=$(nproc)

echo "== Release build and tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 900

echo "== ASan+UBSan build and tests"
# -O1 -g1: enough for readable sanitizer reports, and much quicker to build than -O2 -g.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DIOTPKI_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
# A small quarantine keeps freed memory from looking like growth to the RSS bounds the
# gateway tests assert (the default holds up to 256 MiB of freed blocks).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=32 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 1200 -LE 'nosan'

echo "== libFuzzer targets (short runs)"
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DIOTPKI_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "$jobs"
ctest --test-dir build-fuzz --output-on-failure -j "$jobs" -L fuzz
