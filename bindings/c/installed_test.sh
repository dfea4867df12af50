#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, moves the prefix (the package must be
# relocatable), then builds examples/c/sign_and_verify.c against the installed C API twice:
# with pkg-config (istmo-c) and with CMake (find_package(istmo) + istmo::istmo_c), and runs it.
# usage: installed_test.sh BUILD_DIR SOURCE_DIR C_COMPILER
set -euo pipefail
build=$1
source=$2
cc=$3
pki=$source/test-vectors/pki
work=$(mktemp -d "${TMPDIR:-/tmp}/istmo-capi-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
mv "$work/prefix" "$work/moved"
prefix=$work/moved
export PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name istmo-c.pc -print -quit)")
libdir=$(pkg-config --variable=libdir istmo-c)
[ -f "$libdir/libistmo-c.so" ] || { echo "pkg-config libdir $libdir has no libistmo-c.so" >&2; exit 1; }
[ -f "$(pkg-config --variable=includedir istmo-c)/istmo/istmo.h" ] || { echo "no istmo/istmo.h" >&2; exit 1; }

echo "== pkg-config istmo-c: $(pkg-config --modversion istmo-c)"
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror "$source/examples/c/sign_and_verify.c" \
  $(pkg-config --cflags --libs istmo-c) -o "$work/by-pkg-config"
LD_LIBRARY_PATH=$libdir "$work/by-pkg-config" "$pki/rsa2048.key.pem" "$pki/rsa2048.cert.pem" \
  "$pki/ca.cert.pem" "$pki/intermediate.cert.pem" > "$work/pkg-config.out"
grep -q '^indication: TOTAL_PASSED$' "$work/pkg-config.out"

echo "== CMake find_package(istmo) + istmo::istmo_c"
mkdir -p "$work/consumer"
cat > "$work/consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(istmo_c_consumer LANGUAGES C CXX)
find_package(istmo CONFIG REQUIRED)
add_executable(sign_and_verify "$source/examples/c/sign_and_verify.c")
set_target_properties(sign_and_verify PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON)
target_link_libraries(sign_and_verify PRIVATE istmo::istmo_c)
CMAKE
cmake -S "$work/consumer" -B "$work/consumer/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" > "$work/consumer.log"
cmake --build "$work/consumer/build" >> "$work/consumer.log"
"$work/consumer/build/sign_and_verify" "$pki/rsa2048.key.pem" "$pki/rsa2048.cert.pem" \
  "$pki/ca.cert.pem" "$pki/intermediate.cert.pem" > "$work/cmake.out"
grep -q '^indication: TOTAL_PASSED$' "$work/cmake.out"
echo "installed C API: pkg-config and CMake consumers built and verified a signature"
