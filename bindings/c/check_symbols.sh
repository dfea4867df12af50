#!/usr/bin/env bash
# Checks that a shared library exports exactly the C API symbols listed in a file, each under
# the version node the list gives (SYMBOL NODE per line; '#' comments).
# usage: check_symbols.sh LIBRARY SYMBOL-LIST
set -euo pipefail
lib=$1
list=$2
# nm -D prints "name@@NODE" for a symbol's default version; the node definitions themselves
# (absolute symbols "A NODE") are not functions and are left out.
actual=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@@*/ /' | sort -u)
expected=$(grep -v '^#' "$list" | sed '/^$/d' | sort -u)
if [ "$actual" != "$expected" ]; then
  echo "exported symbols of $lib differ from $list (SYMBOL NODE):" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
nodes=$(echo "$actual" | awk '{print $2}' | sort -u | tr '\n' ' ')
echo "exported symbols: $(echo "$actual" | wc -l), all listed in $(basename "$list") with their nodes ($nodes)"
