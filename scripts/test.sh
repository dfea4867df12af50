#!/usr/bin/env bash
# Builds istmo and runs the whole test suite. This is what CI runs (.ci/run).
#   BUILD_DIR=build   where to build (default: build)
#   ISTMO_CLANG_CHECK=1   also build the library and CLI with clang++ (default on under CI)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DISTMO_WERROR=ON -DISTMO_BUILD_TESTS=ON -DISTMO_BUILD_EXAMPLES=ON
cmake --build "$build" -j2
if [ "${ISTMO_CLANG_CHECK:-${CI:-}}" = "1" ] || [ "${ISTMO_CLANG_CHECK:-${CI:-}}" = "true" ]; then
  echo "== clang++ build check (library, CLI, tests)"
  CXX=clang++ CC=clang cmake -S . -B "$build-clang" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DISTMO_WERROR=ON -DISTMO_BUILD_TESTS=ON -DISTMO_BUILD_EXAMPLES=ON >/dev/null
  cmake --build "$build-clang" -j2
fi
cd "$build"
ctest --output-on-failure -j2 --timeout 600
# Sanitizer run of the whole suite (ASan + UBSan + LSan, clang; ~12 min on 2 cores): ISTMO_SANITIZE_CHECK=1.
# Opt-in for now: it has passed by hand (docs/hardening.md) but not yet inside the CI time budget.
if [ "${ISTMO_SANITIZE_CHECK:-0}" = "1" ]; then
  echo "== sanitizer run (scripts/sanitize.sh)"
  bash "$OLDPWD/scripts/sanitize.sh"
fi
# A short libFuzzer pass (10 s per harness, plus a fuzzer-instrumented build): ISTMO_FUZZ_CHECK=1.
if [ "${ISTMO_FUZZ_CHECK:-0}" = "1" ]; then
  echo "== fuzz pass (scripts/fuzz.sh 10)"
  bash "$OLDPWD/scripts/fuzz.sh" 10
fi
