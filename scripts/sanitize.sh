#!/usr/bin/env bash
# Builds the whole tree (library, CLI, C API, tests) with clang under AddressSanitizer +
# UndefinedBehaviorSanitizer (+ LeakSanitizer) and runs the whole ctest suite. Any finding
# aborts the test that hit it, so the run is green only with zero findings.
#   SANITIZE_BUILD_DIR=build-asan   build directory
#   SANITIZE_JOBS=2                 build parallelism
#   SANITIZE_TEST_JOBS=2            ctest parallelism
# Tests that cannot run under the sanitizers, and what happens to them:
#   consumer.installed_package, capi.installed_package: build *unsanitized* programs (g++/cc,
#     no -fsanitize) against the installed sanitized libraries, which cannot link (the ASan
#     runtime is only linked into sanitized executables). Excluded; the normal build runs them.
#   packages.debian_install: packages the build tree and links an unsanitized C program through
#     pkg-config against it (same reason); it also installs system-wide. The normal build runs it.
#   python.pytest: CPython is not sanitized, so its command (taken from ctest) is run separately
#     with the ASan runtime (which contains the UBSan handlers) in LD_PRELOAD and leak detection
#     off (CPython frees little at exit by design; every C++ test still runs with LeakSanitizer);
#     the CLI it calls goes through a wrapper without LD_PRELOAD (it has its own ASan runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SANITIZE_BUILD_DIR:-build-asan}
t0=$(date +%s)
# clang does not link the C++ UBSan runtime (and libstdc++ it needs) into C programs (the
# bindings/c examples link the C++ library): ask it to.
CXX=clang++ CC=clang cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DISTMO_SANITIZE=ON -DISTMO_WERROR=ON -DISTMO_BUILD_TESTS=ON -DISTMO_BUILD_EXAMPLES=ON \
  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize-link-c++-runtime -DCMAKE_C_STANDARD_LIBRARIES=-lstdc++ >/dev/null
cmake --build "$build" -j"${SANITIZE_JOBS:-2}"
t1=$(date +%s)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# tests/lsan.supp: fontconfig's process-wide caches (the CAFE's fonts), never freed by design.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}
status=0
(cd "$build" && ctest --output-on-failure -j"${SANITIZE_TEST_JOBS:-2}" --timeout 900 \
  -E '^(consumer\.installed_package|capi\.installed_package|packages\.debian_install|python\.pytest)$') || status=1
pytest_command=$(cd "$build" && ctest -N -V -R '^python\.pytest$' | sed -n 's/^[0-9]*: Test command: //p')
if [ -n "$pytest_command" ]; then
  runtime=$(clang -print-file-name=libclang_rt.asan-x86_64.so)
  # The tests also run the CLI, which carries its own (static) ASan runtime and refuses a second
  # one: it is called through a wrapper that drops LD_PRELOAD.
  wrapper=$PWD/$build/istmo-cli-without-preload
  printf '#!/bin/sh\nunset LD_PRELOAD\nexec "%s" "$@"\n' "$PWD/$build/examples/istmo" > "$wrapper"
  chmod +x "$wrapper"
  pytest_command=$(sed "s#\"ISTMO_CLI=[^\"]*\"#\"ISTMO_CLI=$wrapper\"#" <<<"$pytest_command")
  echo "== python.pytest with LD_PRELOAD=$runtime"
  (eval "LD_PRELOAD=$runtime ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 $pytest_command") || status=1
fi
t2=$(date +%s)
echo "== sanitizer run: build $((t1 - t0)) s, tests $((t2 - t1)) s, status $status"
exit $status
