#!/usr/bin/env bash
# Independent check: istmo's XAdES-B-B output (enveloped; RSA-SHA256 and ECDSA P-256) verifies
# with xadesjs, and a tampered copy does not.
# usage: run.sh ISTMO_CLI SOURCE_DIR BINARY_DIR
# Exit 0: verified; 1: a check failed; 77: could not run (no CLI, no node/npm, npm registry
# unreachable) -- registered with SKIP_RETURN_CODE 77, so ctest reports "Not Run", never "Passed".
set -uo pipefail
cli=${1:-}
src=${2:?source dir}
bin=${3:?binary dir}
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "xadesjs check DID NOT RUN: $*"; exit 77; }

[ -n "$cli" ] && [ -x "$cli" ] || skip "the istmo CLI is not part of this build"
command -v node >/dev/null 2>&1 || skip "node is not installed"
command -v npm >/dev/null 2>&1 || skip "npm is not installed"

cache="$bin/xadesjs-cache"
mkdir -p "$cache"
# Install (or reuse) the exact versions of package.json into the test-only cache.
if ! cmp -s "$here/package.json" "$cache/package.json" || [ ! -d "$cache/node_modules/xadesjs" ]; then
  cp "$here/package.json" "$cache/package.json"
  rm -rf "$cache/node_modules" "$cache/package-lock.json"
  echo "installing xadesjs from the npm registry into $cache ..."
  if ! (cd "$cache" && timeout 300 npm install --no-audit --no-fund --loglevel=error >"$cache/npm.log" 2>&1); then
    tail -n 20 "$cache/npm.log"
    rm -f "$cache/package.json"  # retry the install next time
    skip "npm could not install xadesjs (is the npm registry reachable?)"
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pki="$src/test-vectors/pki"
printf '%s' '<rFE xmlns="http://dgi-fep.mef.gob.pa"><gDGen Id="g"><iAmb>2</iAmb><dFechaEm>2026-01-02T09:00:00-05:00</dFechaEm></gDGen><gTot><dVTot>10.70</dVTot></gTot></rFE>' >"$work/in.xml"

status=0
files=()
for key in rsa2048 ec-p256; do
  # xadesjs imports every KeyInfo certificate with the signature's algorithm, so it throws on an
  # RSA signature whose KeyInfo also holds the (ECDSA P-384) intermediate: the RSA signature
  # carries the signer certificate only; the ECDSA one carries the chain.
  chain=(--chain "$pki/intermediate.cert.pem")
  [ "$key" = rsa2048 ] && chain=()
  if ! "$cli" sign --profile xades-b-b --mode enveloped --key "$pki/$key.key.pem" --cert "$pki/$key.cert.pem" \
      "${chain[@]}" --role Emisor --commitment proof-of-origin \
      -o "$work/bb-$key.xml" "$work/in.xml"; then
    echo "FAIL: istmo sign --profile xades-b-b with $key"
    status=1
    continue
  fi
  files+=("$work/bb-$key.xml")
done
[ ${#files[@]} -gt 0 ] || exit 1

export XADESJS_CACHE="$cache"
echo "--- xadesjs verifies istmo's XAdES-B-B output"
node "$here/verify.mjs" "${files[@]}" || status=1

# Negative control: the same check must reject a signature whose signed data was changed.
sed 's/10\.70/99.99/' "$work/bb-rsa2048.xml" >"$work/tampered.xml"
echo "--- negative control (tampered amount): xadesjs must report FAIL"
if node "$here/verify.mjs" "$work/tampered.xml"; then
  echo "FAIL: xadesjs accepted a tampered document: the check proves nothing"
  status=1
fi
[ $status -eq 0 ] && echo "xadesjs check PASSED" || echo "xadesjs check FAILED"
exit $status
