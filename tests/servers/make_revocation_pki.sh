#!/usr/bin/env bash
# A throw-away PKI for certificate-status tests (CRL and OCSP), made with the openssl CLI only.
#
#   tests/servers/make_revocation_pki.sh DIR PORT
#
# Every certificate points at http://127.0.0.1:PORT/: CRL distribution point /<ca>.crl and AIA
# OCSP /ocsp/<ca>, which tests/servers/revocation_server.py --dir DIR serves. What each file
# is: tests/servers/README.md. EC P-256 keys (fast); certificates valid from 30 days ago for a
# year; "revoked" means revoked yesterday (keyCompromise).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 DIR PORT" >&2
  exit 2
fi
dir=$1
port=$2
base="http://127.0.0.1:$port"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
work="$dir/.work"
rm -rf "$work"
mkdir -p "$work"

# Times in the GeneralizedTime form `openssl ca` takes.
at() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
not_before=$(at '-30 days')
not_after=$(at '+365 days')
yesterday=$(date -u -d '-1 day' +%y%m%d%H%M%SZ)  # UTCTime, as the CA database keeps it

# The extension sections every certificate may use; ${CA} is the issuing CA's stem (where its
# CRL and OCSP live).
cat >"$work/ext.cnf" <<EOF
[ root_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:$base/\${ENV::CA}.crl
authorityInfoAccess = OCSP;URI:$base/ocsp/\${ENV::CA}

[ leaf_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:$base/\${ENV::CA}.crl
authorityInfoAccess = OCSP;URI:$base/ocsp/\${ENV::CA}

[ responder_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ responder_check_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:$base/\${ENV::CA}.crl
authorityInfoAccess = OCSP;URI:$base/ocsp/\${ENV::CA}

EOF

# An `openssl ca` configuration for CA stem $1 (database under .work/<stem>/).
ca_config() {
  local stem=$1 db="$work/$1"
  mkdir -p "$db/new"
  : >"$db/index.txt"
  echo "unique_subject = no" >"$db/index.txt.attr"
  echo 1000 >"$db/crlnumber"
  cat >"$db/ca.cnf" <<EOF
[ ca ]
default_ca = this_ca
[ this_ca ]
database = $db/index.txt
new_certs_dir = $db/new
serial = $db/serial
crlnumber = $db/crlnumber
certificate = $dir/$stem.cert.pem
private_key = $dir/$stem.key.pem
default_md = sha256
default_crl_days = 7
policy = any_name
unique_subject = no
email_in_dn = no
[ any_name ]
commonName = supplied
organizationName = optional
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
}

# Self-signed by `openssl ca -selfsign`, so that it is valid from 30 days ago like the others
# (tests validate paths at past times: a time-stamp's genTime).
root_ca() {  # $1: stem, $2: common name (self-signed)
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout "$dir/$1.key.pem" \
    -out "$work/$1.csr" -subj "/O=istmo revocation test/CN=$2" 2>/dev/null
  ca_config "$1"
  printf '%s\n' "$(openssl rand -hex 8 | sed 's/^./1/')" >"$work/$1/serial"
  CA=$1 openssl ca -batch -selfsign -notext -preserveDN -config "$work/$1/ca.cnf" -keyfile "$dir/$1.key.pem" \
    -in "$work/$1.csr" -out "$dir/$1.cert.pem" -startdate "$not_before" -enddate "$(at '+3650 days')" \
    -extfile "$work/ext.cnf" -extensions root_ext 2>/dev/null
}

# issue STEM CN ISSUER EXTENSION: a key and a certificate issued by ISSUER's `openssl ca`.
issue() {
  local stem=$1 cn=$2 issuer=$3 ext=$4
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout "$dir/$stem.key.pem" \
    -out "$work/$stem.csr" -subj "/O=istmo revocation test/CN=$cn" 2>/dev/null
  CA=$issuer openssl ca -batch -notext -preserveDN -config "$work/$issuer/ca.cnf" -in "$work/$stem.csr" -out "$dir/$stem.cert.pem" \
    -startdate "$not_before" -enddate "$not_after" -extfile "$work/ext.cnf" -extensions "$ext" 2>/dev/null
}

serial_of() { openssl x509 -in "$dir/$1.cert.pem" -noout -serial | sed 's/serial=//'; }

# Marks certificate STEM revoked yesterday (keyCompromise) in ISSUER's database.
revoke() {
  local stem=$1 issuer=$2 serial
  serial=$(serial_of "$stem")
  awk -F'\t' -v OFS='\t' -v s="$serial" -v when="$yesterday,keyCompromise" \
    '$4 == s { $1 = "R"; $3 = when } { print }' "$work/$issuer/index.txt" >"$work/$issuer/index.new"
  mv "$work/$issuer/index.new" "$work/$issuer/index.txt"
}

# gencrl ISSUER OUT.crl [openssl ca options]: DER at OUT.crl, PEM at OUT.crl.pem.
gencrl() {
  local issuer=$1 out=$2
  shift 2
  openssl ca -gencrl -config "$work/$issuer/ca.cnf" -crlexts crl_ext -out "$dir/$out.pem" "$@" 2>/dev/null
  openssl crl -in "$dir/$out.pem" -outform DER -out "$dir/$out"
}

# OCSP responder files for CA stem $1: its index, its certificate, the default signer $2.
ocsp_dir() {
  local stem=$1 signer=$2
  mkdir -p "$dir/ocsp/$stem"
  cp "$work/$stem/index.txt" "$dir/ocsp/$stem/index.txt"
  cp "$dir/$stem.cert.pem" "$dir/ocsp/$stem/issuer.cert.pem"
  cp "$dir/$signer.cert.pem" "$dir/ocsp/$stem/signer.cert.pem"
  cp "$dir/$signer.key.pem" "$dir/ocsp/$stem/signer.key.pem"
}

# ---- the hierarchy ----------------------------------------------------------------------
root_ca root "istmo Revocation Test Root"
root_ca other "istmo Revocation Other Root"
issue ca "istmo Revocation Test Issuing CA" root ca_ext
ca_config ca
printf '%s\n' "$(openssl rand -hex 8 | sed 's/^./2/')" >"$work/ca/serial"
issue revca "istmo Revocation Revoked CA" root ca_ext
ca_config revca
printf '%s\n' "$(openssl rand -hex 8 | sed 's/^./3/')" >"$work/revca/serial"

issue good "Good Leaf" ca leaf_ext
issue revoked "Revoked Leaf" ca leaf_ext
issue unknown "Unknown Leaf" ca leaf_ext
issue responder "istmo Delegated OCSP Responder" ca responder_ext
issue responder-check "istmo OCSP Responder Without nocheck" ca responder_check_ext
issue revca-leaf "Leaf Under Revoked CA" revca leaf_ext
issue rogue-responder "istmo Unauthorized OCSP Responder" other responder_ext

revoke revoked ca
revoke revca root

cat "$dir/ca.cert.pem" "$dir/root.cert.pem" >"$dir/chain.pem"
cat "$dir/revca.cert.pem" "$dir/root.cert.pem" >"$dir/revca-chain.pem"

# ---- CRLs -------------------------------------------------------------------------------
gencrl root root.crl
gencrl ca ca.crl
gencrl revca revca.crl
gencrl other other.crl
gencrl ca ca-stale.crl -crl_lastupdate "$(at '-10 days')" -crl_nextupdate "$(at '-3 days')"

# A CRL naming the issuing CA as its issuer, signed by a key that is not the CA's.
cp "$dir/ca.cert.pem" "$work/ca.cert.real"
cp "$dir/ca.key.pem" "$work/ca.key.real"
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout "$dir/impostor.key.pem" \
  -out "$dir/impostor.cert.pem" -days 365 -sha256 \
  -subj "/O=istmo revocation test/CN=istmo Revocation Test Issuing CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
cp "$dir/impostor.cert.pem" "$dir/ca.cert.pem"
cp "$dir/impostor.key.pem" "$dir/ca.key.pem"
gencrl ca ca-by-other.crl
cp "$work/ca.cert.real" "$dir/ca.cert.pem"
cp "$work/ca.key.real" "$dir/ca.key.pem"

# A large CRL: 5000 revoked serials more than ca.crl.
big="$work/big"
mkdir -p "$big"
cp "$work/ca/index.txt" "$big/index.txt"
echo 1000 >"$big/crlnumber"
awk -v OFS='\t' -v when="$yesterday" -v until="$(date -u -d '+365 days' +%y%m%d%H%M%SZ)" \
  'BEGIN { for (i = 1; i <= 5000; i++) print "R", until, when, sprintf("7%015X", i), "unknown", "/CN=bulk" i }' \
  >>"$big/index.txt"
sed -e "s|$work/ca/index.txt|$big/index.txt|" -e "s|$work/ca/crlnumber|$big/crlnumber|" "$work/ca/ca.cnf" >"$big/ca.cnf"
openssl ca -gencrl -config "$big/ca.cnf" -crlexts crl_ext -out "$dir/ca-big.crl.pem" 2>/dev/null
openssl crl -in "$dir/ca-big.crl.pem" -outform DER -out "$dir/ca-big.crl"

# ---- OCSP responders --------------------------------------------------------------------
ocsp_dir ca responder
ocsp_dir root root
ocsp_dir revca revca
ocsp_dir other other
# "unknown" is issued but not in the OCSP index: the responder answers unknown for it.
unknown_serial=$(serial_of unknown)
awk -F'\t' -v s="$unknown_serial" '$4 != s' "$work/ca/index.txt" >"$dir/ocsp/ca/index.txt"

for stem in good revoked unknown revca-leaf; do
  printf '%s\n' "$(serial_of "$stem")" >"$dir/$stem.serial"
done
rm -rf "$work"
echo "revocation PKI in $dir (port $port)"
