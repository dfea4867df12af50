#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds tests/consumer against it with
# find_package(istmo) (shared and static) and with pkg-config, and runs the programs.
set -euo pipefail
build_dir=$1
source_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key.pem" 2>/dev/null
openssl pkey -in "$work/key.pem" -pubout -out "$work/key.pem.pub"
cmake -S "$source_dir" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib64:${LD_LIBRARY_PATH:-}" "$work/build/consumer_shared" "$work/key.pem"
"$work/build/consumer_static" "$work/key.pem"
# pkg-config: the shared library with the flags the .pc file gives.
pcdir=$(dirname "$(find "$work/prefix" -name istmo.pc | head -1)")
flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs istmo)
c++ "$source_dir/main.cpp" $flags -o "$work/consumer_pc"
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib64:${LD_LIBRARY_PATH:-}" "$work/consumer_pc" "$work/key.pem"
# Only ISTMO_API symbols are exported (hidden visibility).
lib=$(find "$work/prefix" -name 'libistmo.so.*.*' | head -1)
if nm -D --defined-only "$lib" | grep -E ' T .*(xmlC14N|EVP_|canonicalize|process_reference)' ; then
  echo "internal symbols leak from $lib" >&2
  exit 1
fi
# The installed CLI runs from any prefix without LD_LIBRARY_PATH (relative RPATH) and signs and
# verifies with the test PKI.
cli="$work/prefix/bin/istmo"
if [ -x "$cli" ]; then
  readelf -d "$cli" | grep -E 'R(UN)?PATH' | grep -q '\$ORIGIN' || { echo "installed istmo has no \$ORIGIN RPATH" >&2; exit 1; }
  env -u LD_LIBRARY_PATH "$cli" version
  pki="$source_dir/../../test-vectors/pki"
  echo '<doc><a>1</a></doc>' >"$work/doc.xml"
  env -u LD_LIBRARY_PATH "$cli" sign --key "$pki/rsa2048.p12" --pass-file "$pki/password.txt" \
    -o "$work/signed.xml" "$work/doc.xml"
  env -u LD_LIBRARY_PATH "$cli" verify --trust "$pki/ca.cert.pem" "$work/signed.xml" >/dev/null
  # Moved to another prefix, it still runs.
  mv "$work/prefix" "$work/moved"
  env -u LD_LIBRARY_PATH "$work/moved/bin/istmo" version >/dev/null
  mv "$work/moved" "$work/prefix"
  echo "consumer: the installed istmo CLI runs (relative RPATH), signs and verifies"
else
  echo "consumer: no installed istmo CLI (ISTMO_BUILD_EXAMPLES=OFF)"
fi
echo "consumer: find_package (shared, static) and pkg-config builds all ran"
