#!/usr/bin/env bash
# Builds istmo and runs the whole test suite. This is what CI runs (.ci/run).
#   BUILD_DIR=build          where to build (default: build)
#   ISTMO_SANITIZE_CHECK=1   then build everything with clang 14 -Werror under ASan + UBSan + LSan
#                            and run the whole suite again (default on under CI; =0 turns it off).
#                            This is also the clang build check.
#   ISTMO_CLANG_CHECK=1      without the sanitizer run: a plain clang++ -Werror build check
#   ISTMO_FUZZ_CHECK=1       then a short, reproducible libFuzzer pass: each harness over its seeds
#                            and its kept corpus (tests/fuzz/corpus) plus 2,000 inputs from a fixed
#                            seed (default on under CI; =0 off)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Imports point down only (DEVELOPERS.md, Module map): seconds, so it runs before the build.
echo "== layering check (scripts/check-layering.py)"
python3 scripts/check-layering.py
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
# A short libFuzzer pass. Fixed seed and run count, fresh working corpus: the same submission
# always meets the same inputs, so a landing never depends on luck. It starts from the seeds and
# the kept corpus of tests/fuzz/corpus/ (what earlier campaigns learned; FUZZ_RUNS never writes
# it back). Long campaigns: scripts/fuzz.sh 600 (every core, merged back into the kept corpus).
if is_on "${ISTMO_FUZZ_CHECK:-${CI:-}}"; then
  echo "== fuzz pass: every harness, seeds + kept corpus + 2,000 inputs (scripts/fuzz.sh)"
  rm -rf "$build-fuzz/corpus" "$build-fuzz/artifacts"
  FUZZ_RUNS=2000 FUZZ_BUILD_DIR="$build-fuzz" bash scripts/fuzz.sh 120
fi
