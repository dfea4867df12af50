#!/usr/bin/env bash
# Rebuilds the fuzz-regression inputs of test-vectors/fuzz-regressions/ that are made rather
# than kept as found: each one reproduces the condition of a fuzzing finding with inputs of this
# repository only (test-vectors/pki, test-vectors/attacks/tsa-data.txt) and the openssl CLI.
# Deterministic: no signing time, RSA PKCS#1 v1.5, so a re-run gives the same bytes.
#   scripts/make-fuzz-regressions.sh [OUT_DIR]   (default: test-vectors/fuzz-regressions)
#
# fuzz_tsa_response-ub-gentime-year-1.tsr - a granted TimeStampResp whose token (signed by
#   pki/tsa-only, intermediate embedded) says genTime 0001-01-01T00:00:00Z. Year 1 is before the
#   range of system_clock's nanoseconds (1677-2262), so the genTime saturates to
#   TimePoint::min(), and the clock-skew check once computed `now - min()`: a signed overflow
#   (the finding of issue 20, fuzz_tsa_response after 186,261 executions).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-test-vectors/fuzz-regressions}
pki=test-vectors/pki
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# TSTInfo over tsa-data.txt (what the attack suite's `tsa` checks expect), genTime in year 1.
cat > "$work/tst.cnf" <<CNF
asn1=SEQUENCE:tst
[tst]
version=INT:1
policy=OID:1.2.3.4.1
imprint=SEQUENCE:imprint
serial=INT:20
gentime=GENTIME:00010101000000Z
[imprint]
alg=SEQUENCE:alg
digest=FORMAT:HEX,OCTETSTRING:$(openssl dgst -sha256 -r test-vectors/attacks/tsa-data.txt | cut -d' ' -f1)
[alg]
oid=OID:sha256
params=NULL
CNF
openssl asn1parse -genconf "$work/tst.cnf" -out "$work/tst.der" > /dev/null
# The token: CMS SignedData with eContentType id-smime-ct-TSTInfo. `openssl ts -reply` cannot
# be told a genTime, so the TSTInfo is signed with `openssl cms` (-noattr: no signingTime).
openssl cms -sign -binary -nodetach -nosmimecap -noattr -in "$work/tst.der" -econtent_type id-smime-ct-TSTInfo \
  -signer "$pki/tsa-only.cert.pem" -inkey "$pki/tsa-only.key.pem" -certfile "$pki/intermediate.cert.pem" \
  -md sha256 -outform DER -out "$work/token.der"
# The TimeStampResp around it (status granted).
openssl ts -reply -in "$work/token.der" -token_in -out "$out/fuzz_tsa_response-ub-gentime-year-1.tsr" 2> /dev/null
openssl ts -reply -in "$out/fuzz_tsa_response-ub-gentime-year-1.tsr" -text 2> /dev/null | grep -q 'Time stamp: Jan  1 00:00:00 1 GMT'
echo "wrote $out/fuzz_tsa_response-ub-gentime-year-1.tsr"
