#!/usr/bin/env bash
# Builds test-vectors/revocation/ with the openssl CLI only: a small CA, two leaves, its CRLs
# and OCSP responses, the seeds of the fuzz_crl_parse and fuzz_ocsp_response harnesses (and
# what they check against). Keys change on every run; the output is committed once. What each
# file is: test-vectors/revocation/README.md.
#   scripts/make-revocation-vectors.sh [OUT_DIR]   (default: test-vectors/revocation)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-test-vectors/revocation}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/ext.cnf" <<'CNF'
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://127.0.0.1:9/ca.crl
authorityInfoAccess = OCSP;URI:http://127.0.0.1:9/ocsp
CNF
mkdir -p "$work/db/new"
: > "$work/db/index.txt"
echo 1000 > "$work/db/crlnumber"
echo 1001 > "$work/db/serial"
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = this_ca
[this_ca]
database = $work/db/index.txt
new_certs_dir = $work/db/new
serial = $work/db/serial
crlnumber = $work/db/crlnumber
certificate = $out/ca.cert.pem
private_key = $out/ca.key.pem
default_md = sha256
policy = any_name
unique_subject = no
[any_name]
commonName = supplied
organizationName = optional
[crl_ext]
authorityKeyIdentifier = keyid:always
CNF

openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout "$out/ca.key.pem" \
  -out "$out/ca.cert.pem" -days 9000 -subj "/O=Istmo Test/CN=Istmo Revocation Vectors CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" 2> /dev/null
for leaf in good revoked; do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout "$work/$leaf.key.pem" \
    -out "$work/$leaf.csr" -subj "/O=Istmo Test/CN=Istmo Revocation $leaf" 2> /dev/null
  openssl ca -batch -notext -config "$work/ca.cnf" -in "$work/$leaf.csr" -out "$out/$leaf.cert.pem" \
    -startdate 20250101000000Z -enddate 20450101000000Z -extfile "$work/ext.cnf" -extensions leaf_ext 2> /dev/null
done
openssl ca -batch -config "$work/ca.cnf" -revoke "$out/revoked.cert.pem" -crl_reason keyCompromise 2> /dev/null
# CRLs valid 2025..2045 (thisUpdate / nextUpdate fixed), DER and PEM.
openssl ca -batch -gencrl -config "$work/ca.cnf" -crlexts crl_ext -crl_lastupdate 20250101000000Z \
  -crl_nextupdate 20450101000000Z -out "$out/ca.crl.pem" 2> /dev/null
openssl crl -in "$out/ca.crl.pem" -outform DER -out "$out/ca.crl"
# OCSP responses (signed by the CA itself), SHA-256 and SHA-1 CertIDs.
for leaf in good revoked; do
  for digest in sha256 sha1; do
    openssl ocsp -issuer "$out/ca.cert.pem" -"$digest" -cert "$out/$leaf.cert.pem" -no_nonce -reqout "$work/req.der" 2> /dev/null
    [ -s "$work/req.der" ]
    openssl ocsp -index "$work/db/index.txt" -CA "$out/ca.cert.pem" -rsigner "$out/ca.cert.pem" -rkey "$out/ca.key.pem" \
      -reqin "$work/req.der" -respout "$out/$leaf-$digest.ocsp" -ndays 7300 2> /dev/null
  done
done
echo "wrote $out"
