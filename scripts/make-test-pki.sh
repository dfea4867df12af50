#!/usr/bin/env bash
# (Re)generates the test PKI in test-vectors/pki/ using only the openssl CLI.
# Keys differ on every run; the output is committed once. Needs no terminal.
# Usage: scripts/make-test-pki.sh [output-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../test-vectors/pki}"
password="istmo-test-pass"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
# Wipe the generated material but keep the hand-written README.
find "$out" -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# ---- a minimal `openssl ca` setup (needed for exact start/end dates on OpenSSL 3.0) ------
mkdir -p newcerts
: > index.txt
echo 1000 > serial
cat > ca.cnf <<CNF
[ ca ]
default_ca = test_ca

[ test_ca ]
dir              = $work
database         = $work/index.txt
serial           = $work/serial
new_certs_dir    = $work/newcerts
default_md       = sha256
policy           = policy_any
unique_subject   = no
copy_extensions  = none
email_in_dn      = no
name_opt         = ca_default
cert_opt         = ca_default
preserve         = yes

[ policy_any ]
countryName            = optional
stateOrProvinceName    = optional
localityName           = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied
emailAddress           = optional

[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = placeholder

[ ext_root ]
basicConstraints       = critical,CA:TRUE
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ ext_intermediate ]
basicConstraints       = critical,CA:TRUE,pathlen:0
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ ext_leaf ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ ext_nonrep ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ ext_tsa ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,digitalSignature,nonRepudiation
extendedKeyUsage       = critical,timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ ext_selfsigned ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier   = hash
CNF

# genkey NAME ALGORITHM-OPTIONS...   -> $out/NAME.key.pem (unencrypted PKCS#8 PEM)
genkey() {
    local name="$1"; shift
    openssl genpkey "$@" -out "$out/$name.key.pem" 2>/dev/null
}

# issue NAME SUBJECT EXTENSION-SECTION START END ISSUER(root|intermediate|self) MD
issue() {
    local name="$1" subject="$2" ext="$3" start="$4" end="$5" issuer="$6" md="$7"
    openssl req -new -config ca.cnf -key "$out/$name.key.pem" -subj "$subject" \
        -out "$name.csr.pem"
    local -a signer
    case "$issuer" in
        self) signer=(-selfsign -keyfile "$out/$name.key.pem") ;;
        *)    signer=(-cert "$out/$issuer.cert.pem" -keyfile "$issuer.key.pem") ;;
    esac
    openssl ca -batch -config ca.cnf -notext -rand_serial -md "$md" \
        -startdate "$start" -enddate "$end" -extensions "$ext" \
        "${signer[@]}" -in "$name.csr.pem" -out "$out/$name.cert.pem" 2>/dev/null
}

# ---- root CA (RSA 3072, 2019-01-01 .. 2050-01-01) ----------------------------------------
# The CAs start in 2019 so that the `expired` leaf (2020..2021) has a valid path in 2020.
genkey ca -algorithm RSA -pkeyopt rsa_keygen_bits:3072
cp "$out/ca.key.pem" ca.key.pem
issue ca "/C=PA/O=Istmo Test/CN=Istmo Test Root CA" ext_root \
    20190101000000Z 20500101000000Z self sha256
rm -f "$out/ca.key.pem"   # the CA keys are not needed by the tests

# ---- intermediate CA (EC P-384, 2019-01-01 .. 2048-01-01) --------------------------------
genkey intermediate -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve
cp "$out/intermediate.key.pem" intermediate.key.pem
issue intermediate "/C=PA/O=Istmo Test/CN=Istmo Test Intermediate CA" ext_intermediate \
    20190101000000Z 20480101000000Z ca sha256
rm -f "$out/intermediate.key.pem"
cat "$out/intermediate.cert.pem" "$out/ca.cert.pem" > "$out/chain.pem"

# ---- leaf signers ------------------------------------------------------------------------
leaf_start=20250101000000Z
leaf_end=20450101000000Z
leaf() {  # leaf NAME EXTENSION START END KEY-OPTIONS...
    local name="$1" ext="$2" start="$3" end="$4"; shift 4
    genkey "$name" "$@"
    issue "$name" "/C=PA/O=Istmo Test/OU=Signers/CN=Istmo Test $name" "$ext" \
        "$start" "$end" intermediate sha384
}
leaf rsa2048   ext_leaf "$leaf_start" "$leaf_end" -algorithm RSA -pkeyopt rsa_keygen_bits:2048
leaf rsa3072   ext_leaf "$leaf_start" "$leaf_end" -algorithm RSA -pkeyopt rsa_keygen_bits:3072
leaf rsa4096   ext_leaf "$leaf_start" "$leaf_end" -algorithm RSA -pkeyopt rsa_keygen_bits:4096
leaf ec-p256   ext_leaf "$leaf_start" "$leaf_end" -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve
leaf ec-p384   ext_leaf "$leaf_start" "$leaf_end" -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve
leaf ec-p521   ext_leaf "$leaf_start" "$leaf_end" -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -pkeyopt ec_param_enc:named_curve
leaf ed25519   ext_leaf "$leaf_start" "$leaf_end" -algorithm ED25519
leaf nonrep-only   ext_nonrep "$leaf_start" "$leaf_end" -algorithm RSA -pkeyopt rsa_keygen_bits:2048
leaf expired       ext_leaf 20200101000000Z 20210101000000Z -algorithm RSA -pkeyopt rsa_keygen_bits:2048
leaf not-yet-valid ext_leaf 20450101000000Z 20460101000000Z -algorithm RSA -pkeyopt rsa_keygen_bits:2048
leaf tsa-only      ext_tsa  "$leaf_start" "$leaf_end" -algorithm RSA -pkeyopt rsa_keygen_bits:2048

# ---- an untrusted self-signed signer (RSA 2048) ------------------------------------------
genkey untrusted -algorithm RSA -pkeyopt rsa_keygen_bits:2048
issue untrusted "/C=PA/O=Nobody/CN=Istmo Untrusted Self-Signed" ext_selfsigned \
    "$leaf_start" "$leaf_end" self sha256

# ---- other forms of the rsa2048 signer ---------------------------------------------------
printf '%s\n' "$password" > "$out/password.txt"
openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -in "$out/rsa2048.key.pem" \
    -passout "pass:$password" -out "$out/rsa2048.key.enc.pem"
openssl pkcs8 -topk8 -nocrypt -in "$out/rsa2048.key.pem" -outform DER -out "$out/rsa2048.key.der"
openssl x509 -in "$out/rsa2048.cert.pem" -outform DER -out "$out/rsa2048.cert.der"
openssl pkcs12 -export -inkey "$out/rsa2048.key.pem" -in "$out/rsa2048.cert.pem" \
    -certfile "$out/chain.pem" -name "Istmo Test rsa2048" \
    -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 \
    -passout "pass:$password" -out "$out/rsa2048.p12"

# ---- keys that must be refused -----------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$out/rsa1024.key.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -pkeyopt ec_param_enc:named_curve \
    -out "$out/ec-secp256k1.key.pem" 2>/dev/null

echo "test PKI written to $out"
ls "$out"
