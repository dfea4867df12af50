#!/usr/bin/env bash
# Checks that a shared library exports exactly the C API symbols listed in a file.
# usage: check_symbols.sh LIBRARY SYMBOL-LIST
set -euo pipefail
lib=$1
list=$2
actual=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u)
expected=$(grep -v '^#' "$list" | sed '/^$/d' | sort -u)
if [ "$actual" != "$expected" ]; then
  echo "exported symbols of $lib differ from $list:" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
echo "exported symbols: $(echo "$actual" | wc -l), all listed in $(basename "$list")"
