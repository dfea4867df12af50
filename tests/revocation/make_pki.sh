#!/usr/bin/env bash
# Builds, with the openssl CLI only, a small PKI for the CRL/OCSP unit tests in DIR:
#   root -> ca (intermediate, keyUsage keyCertSign+cRLSign) -> good, revoked (leaves)
#   ca -> responder (id-kp-OCSPSigning + ocsp-nocheck), responder-check (OCSPSigning, no nocheck)
#   ca -> plain (no OCSPSigning), nosign-ca (a CA without cRLSign) ; other-ca (unrelated root)
# CRLs: ca.crl.der (current, lists "revoked" keyCompromise), ca.crl.pem (same, PEM), stale.crl.der
# (nextUpdate passed), other.crl.der (same name, signed by other-ca), delta.crl.der (delta CRL).
# OCSP responses (no server: 'openssl ocsp -reqin ... -respout'): good.ocsp, revoked.ocsp,
# good-by-responder.ocsp, good-by-plain.ocsp (unauthorized signer), unknown.ocsp, good-sha1.ocsp,
# good-nonce.ocsp + good-nonce.req (the request with its nonce).
# The leaves carry a CDP and an AIA OCSP URL on http://127.0.0.1:9/ (never reached).
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

cat >ext.cnf <<'CNF'
[root]
basicConstraints=critical,CA:true
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[ca]
basicConstraints=critical,CA:true,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[nocrlsign]
basicConstraints=critical,CA:true,pathlen:0
keyUsage=critical,keyCertSign
[leaf]
basicConstraints=CA:false
keyUsage=critical,digitalSignature,nonRepudiation
crlDistributionPoints=URI:http://127.0.0.1:9/ca.crl
authorityInfoAccess=OCSP;URI:http://127.0.0.1:9/ocsp
[bare]
basicConstraints=CA:false
keyUsage=critical,digitalSignature
[responder]
basicConstraints=CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
noCheck=ignored
[responder_check]
basicConstraints=CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
crlDistributionPoints=URI:http://127.0.0.1:9/ca.crl
CNF

serial=100
issue() {  # name subject issuer section [days]
  local name=$1 subject=$2 issuer=$3 section=$4 days=${5:-365}
  key "$name"
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr" 2>/dev/null
  serial=$((serial + 1))
  openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -set_serial "$serial" \
    -days "$days" -extfile ext.cnf -extensions "$section" -out "$name.pem" 2>/dev/null
}
selfsign() {
  key "$1"
  openssl req -new -x509 -key "$1.key" -subj "$2" -days 3650 -extensions root -config <(cat ext.cnf; printf '[req]\ndistinguished_name=dn\n[dn]\n') -out "$1.pem" 2>/dev/null
}

selfsign root "/CN=Rev Test Root/O=istmo tests"
selfsign other-ca "/CN=Rev Test CA/O=istmo tests"   # same name as ca, another key
issue ca "/CN=Rev Test CA/O=istmo tests" root ca
issue good "/CN=Good Leaf/O=istmo tests" ca leaf
issue revoked "/CN=Revoked Leaf/O=istmo tests" ca leaf
issue unknown "/CN=Unknown Leaf/O=istmo tests" ca leaf
issue bare "/CN=Bare Leaf/O=istmo tests" ca bare
issue responder "/CN=Rev Test Responder/O=istmo tests" ca responder
issue responder-check "/CN=Rev Test Responder 2/O=istmo tests" ca responder_check
issue plain "/CN=Plain Leaf/O=istmo tests" ca bare
issue nosign-ca "/CN=No CRL Sign CA/O=istmo tests" root nocrlsign

# The CA database: good valid, revoked revoked (keyCompromise); "unknown" is left out.
mkca() {  # dir cert key
  mkdir -p "$1"
  : >"$1/index.txt"
  echo 01 >"$1/crlnumber"
  cat >"$1/ca.cnf" <<CNF
[ca]
default_ca=this
[this]
database=$PWD/$1/index.txt
crlnumber=$PWD/$1/crlnumber
certificate=$PWD/$2
private_key=$PWD/$3
default_md=sha256
default_crl_days=7
crl_extensions=crl_ext
[crl_ext]
authorityKeyIdentifier=keyid
[delta_ext]
2.5.29.27=critical,DER:02:01:01
CNF
}
mkca cadb ca.pem ca.key
for c in good revoked responder responder-check plain; do
  openssl ca -config cadb/ca.cnf -valid "$c.pem" 2>/dev/null
done
openssl ca -config cadb/ca.cnf -revoke revoked.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config cadb/ca.cnf -gencrl -out ca.crl.pem 2>/dev/null
openssl crl -in ca.crl.pem -outform DER -out ca.crl.der
openssl ca -config cadb/ca.cnf -gencrl -crlexts delta_ext -out delta.crl.pem 2>/dev/null
openssl crl -in delta.crl.pem -outform DER -out delta.crl.der
# Stale: issued with a nextUpdate 1 hour after thisUpdate, both in the past (faketime-free:
# -crlsec with a start date is not available, so backdate with -crl_lastupdate, OpenSSL 3).
openssl ca -config cadb/ca.cnf -gencrl -crl_lastupdate 20200101000000Z -crl_nextupdate 20200108000000Z \
  -out stale.crl.pem 2>/dev/null
openssl crl -in stale.crl.pem -outform DER -out stale.crl.der
mkca otherdb other-ca.pem other-ca.key
openssl ca -config otherdb/ca.cnf -gencrl -out other.crl.pem 2>/dev/null
openssl crl -in other.crl.pem -outform DER -out other.crl.der

# OCSP responses, made from requests without a server.
respond() {  # out leaf signer-cert signer-key digest
  local out=$1 leaf=$2 rcert=$3 rkey=$4 md=$5
  openssl ocsp -issuer ca.pem "$md" -cert "$leaf.pem" -no_nonce -reqout "$out.req" 2>/dev/null
  openssl ocsp -index cadb/index.txt -CA ca.pem -rsigner "$rcert" -rkey "$rkey" -reqin "$out.req" \
    -respout "$out.ocsp" -ndays 7 2>/dev/null
}
respond good good ca.pem ca.key -sha256
respond revoked revoked ca.pem ca.key -sha256
respond unknown unknown ca.pem ca.key -sha256
respond good-sha1 good ca.pem ca.key -sha1
respond good-by-responder good responder.pem responder.key -sha256
respond good-by-responder-check good responder-check.pem responder-check.key -sha256
respond good-by-plain good plain.pem plain.key -sha256
respond good-by-other good other-ca.pem other-ca.key -sha256
# With a nonce: the request keeps it.
openssl ocsp -issuer ca.pem -sha256 -cert good.pem -reqout good-nonce.req 2>/dev/null
openssl ocsp -index cadb/index.txt -CA ca.pem -rsigner ca.pem -rkey ca.key -reqin good-nonce.req \
  -respout good-nonce.ocsp -ndays 7 2>/dev/null
# Stale OCSP: -nmin 1 then nothing to wait for; use -ndays 0 -nmin 0? openssl has no past
# dates for OCSP, so a response without nextUpdate stands in for "no nextUpdate".
openssl ocsp -index cadb/index.txt -CA ca.pem -rsigner ca.pem -rkey ca.key -reqin good.req \
  -respout good-no-next.ocsp 2>/dev/null
cat ca.pem root.pem >chain.pem
echo ok
