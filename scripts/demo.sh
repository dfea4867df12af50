#!/usr/bin/env bash
# The main job, end to end: install the build dependencies, build istmo, create a throw-away
# test PKI with the openssl CLI, sign a small Panamanian e-invoice, verify it, then tamper
# with one byte and show that verification fails.
#
# Usage: scripts/demo.sh
# Environment: ISTMO_DEMO_BUILD_DIR (default: build), ISTMO_DEMO_JOBS (default: 2).
# Exit status: 0 only when the signed invoice verifies (exit 0) and the tampered one is
# rejected (exit 1); anything else is a failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

work="$(mktemp -d "${TMPDIR:-/tmp}/istmo-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT

say() { printf 'demo: %s\n' "$*"; }
fail() {
    printf 'demo: FAILED: %s\n' "$1" >&2
    if [ -n "${2:-}" ] && [ -f "$2" ]; then
        printf -- '---- last lines of %s ----\n' "$(basename "$2")" >&2
        tail -n 25 "$2" >&2
    fi
    exit 1
}
# run LOG COMMAND...: runs quietly, shows the log's tail when the command fails.
run() {
    local log="$1"; shift
    "$@" >"$log" 2>&1 || fail "$*" "$log"
}

# ---- 1. dependencies and build -----------------------------------------------------------
run "$work/deps.log" scripts/install-deps.sh
say "dependencies: $(tail -n 1 "$work/deps.log")"
build="${ISTMO_DEMO_BUILD_DIR:-build}"
run "$work/configure.log" cmake -S . -B "$build" -G Ninja -DISTMO_BUILD_TESTS=OFF -DISTMO_BUILD_EXAMPLES=ON
run "$work/build.log" cmake --build "$build" -j"${ISTMO_DEMO_JOBS:-2}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
istmo="$build/examples/istmo"
[ -x "$istmo" ] || fail "the build did not produce $istmo"
say "built $("$istmo" version | head -n 1) in $build"

# ---- 2. a throw-away PKI: root CA -> signer (RSA-2048, nonRepudiation+digitalSignature) --
cd "$work"
cat > signer.ext <<'EXT'
[ signer ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,nonRepudiation,digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EXT
run pki.log openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -keyout ca.key -out ca.pem -subj "/C=PA/O=Istmo Demo/CN=Istmo Demo Root CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
run pki.log openssl req -new -newkey rsa:2048 -nodes -sha256 \
    -keyout signer.key -out signer.csr -subj "/C=PA/O=Istmo Demo/CN=Emisor de Prueba"
run pki.log openssl x509 -req -in signer.csr -CA ca.pem -CAkey ca.key \
    -CAcreateserial -CAserial ca.srl -days 365 -sha256 \
    -extfile signer.ext -extensions signer -out signer.pem
say "test PKI: 'Istmo Demo Root CA' -> 'Emisor de Prueba' (RSA-2048) in a temporary directory"

# ---- 3. a sample invoice (shape of the DGI rFE, trimmed) ---------------------------------
cat > factura.xml <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<rFE xmlns="http://dgi-fep.mef.gob.pa">
  <dVerForm>1.00</dVerForm>
  <dId>FE01200000000000029-29-2022-0000000000000001</dId>
  <gDGen>
    <iAmb>2</iAmb>
    <dFechaEm>2026-01-02T09:00:00-05:00</dFechaEm>
    <gEmis><dNombEm>Comercial Istmo, S.A.</dNombEm></gEmis>
    <gDatRec><dNombRec>Cliente de Prueba</dNombRec></gDatRec>
  </gDGen>
  <gTot>
    <dTotNeto>100.00</dTotNeto>
    <dTotITBMS>7.00</dTotITBMS>
    <dVTot>107.00</dVTot>
  </gTot>
</rFE>
XML

# ---- 4. sign and verify ------------------------------------------------------------------
run sign.log "$istmo" sign --key signer.key --cert signer.pem -o factura.signed.xml factura.xml
say "signed factura.xml -> factura.signed.xml ($(wc -c < factura.signed.xml) bytes)"

rc=0
"$istmo" verify --trust ca.pem factura.signed.xml > verify.txt 2>&1 || rc=$?
say "verify signed invoice: exit $rc"
sed 's/^/      /' verify.txt

# ---- 5. tamper with one byte: 107.00 -> 907.00 -------------------------------------------
sed 's|<dVTot>107.00</dVTot>|<dVTot>907.00</dVTot>|' factura.signed.xml > factura.tampered.xml
cmp -s factura.signed.xml factura.tampered.xml && fail "could not tamper with the signed invoice"
rc_tampered=0
"$istmo" verify --trust ca.pem factura.tampered.xml > tampered.txt 2>&1 || rc_tampered=$?
say "verify tampered invoice (dVTot 107.00 -> 907.00): exit $rc_tampered"
sed 's/^/      /' tampered.txt

if [ "$rc" -eq 0 ] && [ "$rc_tampered" -eq 1 ]; then
    say "OK: the signed invoice is valid and the tampered copy is rejected"
    exit 0
fi
fail "expected exit 0 for the signed invoice and 1 for the tampered one (got $rc and $rc_tampered)"
