#!/usr/bin/env bash
# Builds istmo and runs the whole test suite. This is what CI runs (.ci/run).
#   BUILD_DIR=build          where to build (default: build)
#   ISTMO_SANITIZE_CHECK=1   then build everything with clang 14 -Werror under ASan + UBSan + LSan
#                            and run the whole suite again (default on under CI; =0 turns it off).
#                            This is also the clang build check.
#   ISTMO_CLANG_CHECK=1      without the sanitizer run: a plain clang++ -Werror build check
#   ISTMO_FUZZ_CHECK=1       then a short libFuzzer pass (10 s per harness; opt-in)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${BUILD_DIR:-build}
is_on() { [ "${1:-}" = "1" ] || [ "${1:-}" = "true" ]; }
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DISTMO_WERROR=ON -DISTMO_BUILD_TESTS=ON -DISTMO_BUILD_EXAMPLES=ON
cmake --build "$build" -j2
(cd "$build" && ctest --output-on-failure -j2 --timeout 600)
if is_on "${ISTMO_SANITIZE_CHECK:-${CI:-}}"; then
  echo "== sanitizer run: clang -Werror build + whole suite under ASan/UBSan/LSan (scripts/sanitize.sh)"
  SANITIZE_BUILD_DIR="$build-asan" bash scripts/sanitize.sh
elif is_on "${ISTMO_CLANG_CHECK:-}"; then
  echo "== clang++ build check (library, CLI, tests)"
  CXX=clang++ CC=clang cmake -S . -B "$build-clang" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DISTMO_WERROR=ON -DISTMO_BUILD_TESTS=ON -DISTMO_BUILD_EXAMPLES=ON >/dev/null
  cmake --build "$build-clang" -j2
fi
# A short libFuzzer pass: a random short run must not decide whether a submission lands.
if is_on "${ISTMO_FUZZ_CHECK:-0}"; then
  echo "== fuzz pass (scripts/fuzz.sh 10)"
  bash scripts/fuzz.sh 10
fi
