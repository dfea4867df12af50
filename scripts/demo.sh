#!/usr/bin/env bash
# The vendor's path, end to end: install the build dependencies, build istmo, create a
# throw-away PKI like Panama's with the openssl CLI (a .p12 with a nonRepudiation-only
# certificate), then `istmo invoice new` (JSON -> rFE, validated), `istmo invoice sign` (.p12 +
# QR secret) and `istmo invoice validate`; finally change the total and show it is rejected.
#
# Usage: scripts/demo.sh
# Environment: ISTMO_DEMO_BUILD_DIR (default: build), ISTMO_DEMO_JOBS (default: 2).
# Exit status: 0 only when the signed invoice validates (exit 0) and the tampered one is
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

# ---- 2. a throw-away PKI like Panama's: root CA -> issuer (RSA-2048, nonRepudiation only) --
cd "$work"
cat > emisor.ext <<'EXT'
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EXT
run pki.log openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -keyout ca.key -out ca.pem -subj "/C=PA/O=Istmo Demo/CN=Istmo Demo Root CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
run pki.log openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout emisor.key -out emisor.csr \
    -subj "/C=PA/O=Istmo Demo/OU=FACTURA ELECTRONICA/CN=[F] ISTMO PRUEBAS, S.A. - 155596713-2-2015 - 59"
run pki.log openssl x509 -req -in emisor.csr -CA ca.pem -CAkey ca.key \
    -CAcreateserial -CAserial ca.srl -days 365 -sha256 \
    -extfile emisor.ext -out emisor.pem
# The .p12 a certification provider hands out: key, certificate and chain, password-protected.
export ISTMO_DEMO_P12_PASS="demo-$$"
run pki.log openssl pkcs12 -export -inkey emisor.key -in emisor.pem -certfile ca.pem \
    -passout env:ISTMO_DEMO_P12_PASS -out emisor.p12
say "test PKI: 'Istmo Demo Root CA' -> issuer certificate (nonRepudiation only) in emisor.p12"

# ---- 3. the invoice: JSON from the billing system -> unsigned rFE, validated ------------------
cp "$root/examples/panama/factura.json" factura.json
run new.log "$istmo" invoice new --from factura.json -o factura.xml
say "istmo invoice new --from factura.json -> factura.xml (CUFE $("$istmo" invoice cufe factura.xml))"

# ---- 4. sign with the .p12 and the QR secret -----------------------------------------------
export ISTMO_DEMO_QR_SECRET="demo-qr-secret-$$"
run sign.log "$istmo" invoice sign --key emisor.p12 --pass-env ISTMO_DEMO_P12_PASS \
    --qr-secret-env ISTMO_DEMO_QR_SECRET -o factura.firmada.xml factura.xml
say "istmo invoice sign --key emisor.p12 -> factura.firmada.xml ($(wc -c < factura.firmada.xml) bytes, with gNoFirm/dQRCode)"

rc=0
"$istmo" invoice validate --trust ca.pem factura.firmada.xml > validate.txt 2>&1 || rc=$?
say "istmo invoice validate --trust ca.pem factura.firmada.xml: exit $rc"
sed 's/^/      /' validate.txt

# ---- 5. tamper with the total: dVTot changes by one digit ----------------------------------
sed -E '0,/<dVTot>[0-9]/s|<dVTot>([0-9])|<dVTot>9\1|' factura.firmada.xml > factura.alterada.xml
cmp -s factura.firmada.xml factura.alterada.xml && fail "could not tamper with the signed invoice"
rc_tampered=0
"$istmo" invoice validate --trust ca.pem factura.alterada.xml > tampered.txt 2>&1 || rc_tampered=$?
say "istmo invoice validate on a copy with dVTot changed: exit $rc_tampered"
sed 's/^/      /' tampered.txt

if [ "$rc" -eq 0 ] && [ "$rc_tampered" -eq 1 ]; then
    say "OK: the signed invoice is valid and the tampered copy is rejected"
    say "the same path, step by step: docs/guide-panama.md"
    exit 0
fi
fail "expected exit 0 for the signed invoice and 1 for the tampered one (got $rc and $rc_tampered)"
