#!/usr/bin/env bash
# The layering check (scripts/check-layering.py) passes on this tree and fails on a throw-away
# tree with one upward include of each kind it knows: <istmo/...>, "module/..." and a relative
# path; a sideways include between two modules of the same level fails too.
set -euo pipefail
source_dir=$1
check="$source_dir/scripts/check-layering.py"
python3 "$check" "$source_dir"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
make_tree() {  # a minimal tree: crypto below dsig, xml beside report
  rm -rf "$work/tree"
  mkdir -p "$work/tree/src/crypto" "$work/tree/src/dsig" "$work/tree/src/xml" "$work/tree/src/report" \
           "$work/tree/include/istmo/dsig" "$work/tree/include/istmo/crypto"
  echo '#pragma once' >"$work/tree/include/istmo/dsig/sign.hpp"
  echo '#pragma once' >"$work/tree/include/istmo/crypto/keys.hpp"
  echo '#pragma once' >"$work/tree/src/dsig/reference.hpp"
  echo '#pragma once' >"$work/tree/src/report/detail.hpp"
  printf '#include <istmo/crypto/keys.hpp>\n#include "dsig/reference.hpp"\n' >"$work/tree/src/dsig/sign.cpp"
  echo '#include <istmo/crypto/keys.hpp>' >"$work/tree/src/crypto/keys.cpp"
  echo '#include <string>' >"$work/tree/src/xml/document.cpp"
  mkdir -p "$work/tree/src/net"
  echo '#include <istmo/core/result.hpp>' >"$work/tree/src/net/http_client.cpp"
}
expect_failure() {  # $1: what, $2: file, $3: line to add, $4: text the report must name
  make_tree
  echo "$3" >>"$work/tree/$2"
  set +e
  out=$(python3 "$check" "$work/tree" 2>&1)
  rc=$?
  set -e
  if [ "$rc" -ne 1 ] || ! grep -qF "$4" <<<"$out"; then
    echo "FAIL: $1: expected exit 1 naming '$4', got $rc:" >&2
    echo "$out" >&2
    exit 1
  fi
  echo "ok: $1 -> $(head -1 <<<"$out")"
}

make_tree
python3 "$check" "$work/tree"   # the clean fake tree passes
expect_failure "public include of a higher module" src/crypto/keys.cpp '#include <istmo/dsig/sign.hpp>' \
  "src/crypto/keys.cpp:2: crypto includes istmo/dsig/sign.hpp (dsig, above crypto)"
expect_failure "private include of a higher module" src/crypto/keys.cpp '#include "dsig/reference.hpp"' \
  "crypto includes dsig/reference.hpp"
expect_failure "relative include of a higher module" src/crypto/keys.cpp '#include "../dsig/reference.hpp"' \
  "crypto includes ../dsig/reference.hpp"
expect_failure "public header including a higher module" include/istmo/crypto/keys.hpp '#include <istmo/dsig/sign.hpp>' \
  "include/istmo/crypto/keys.hpp:2"
expect_failure "include of a module on the same level" src/xml/document.cpp '#include "report/detail.hpp"' \
  "(report, beside xml)"
expect_failure "net including crypto (net sits under crypto)" src/net/http_client.cpp '#include <istmo/crypto/keys.hpp>' \
  "net includes istmo/crypto/keys.hpp (crypto, above net)"
expect_failure "net including report (a sibling)" src/net/http_client.cpp '#include "report/detail.hpp"' \
  "(report, beside net)"
echo "layering: this tree is clean; upward and sideways includes fail"
