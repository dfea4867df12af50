#!/usr/bin/env bash
# (Re)generates test-vectors/dsig/xmlsec1-signed/: XMLDSig documents signed by the independent
# xmlsec1 command-line tool with the test PKI (test-vectors/pki/), plus tampered copies.
# tests/interop_xmlsec_test.cpp verifies every file with istmo and compares the result with the
# "expected" column of the folder's README.md (the README is the test data: keep one row per file).
#
# The trust anchor is copied next to the vectors, so a later regeneration of the PKI (new keys on
# every run) does not break them. ECDSA SignatureValues are random, so the output differs on each run.
# Needs: xmlsec1 (1.2.x, openssl engine), perl (core modules only).
# Usage: scripts/make-dsig-vectors.sh [output-dir]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pki="$here/../test-vectors/pki"
out="${1:-$here/../test-vectors/dsig/xmlsec1-signed}"

command -v xmlsec1 >/dev/null || { echo "xmlsec1 not found" >&2; exit 1; }
command -v perl >/dev/null || { echo "perl not found" >&2; exit 1; }

mkdir -p "$out"
out="$(cd "$out" && pwd)"
# Only the generated documents are wiped; README.md is hand-written and kept.
find "$out" -mindepth 1 -maxdepth 1 \( -name '*.xml' -o -name '*.pem' \) -delete

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

ds="http://www.w3.org/2000/09/xmldsig#"
more="http://www.w3.org/2001/04/xmldsig-more#"
enc="http://www.w3.org/2001/04/xmlenc#"
env_uri="http://www.w3.org/2000/09/xmldsig#enveloped-signature"

c14n_uri() {
  case "$1" in
    exc) echo "http://www.w3.org/2001/10/xml-exc-c14n#" ;;
    exc-comments) echo "http://www.w3.org/2001/10/xml-exc-c14n#WithComments" ;;
    inc) echo "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" ;;
    inc-comments) echo "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments" ;;
    c14n11) echo "http://www.w3.org/2006/12/xml-c14n11" ;;
    *) echo "unknown c14n $1" >&2; exit 1 ;;
  esac
}
digest_uri() {
  case "$1" in
    sha256) echo "${enc}sha256" ;;
    sha384) echo "${more}sha384" ;;
    sha512) echo "${enc}sha512" ;;
  esac
}

# The signed payload: an unprefixed document with a namespaced attribute, a comment and an
# element that detached signatures leave unsigned.
payload='<doc xmlns:x="urn:istmo:test:x" version="1">
  <!-- payload comment -->
  <item Id="a" x:flag="on">Hello &amp; welcome</item>
  <item Id="b">World <x:b>bold</x:b></item>
  <tail>unsigned in detached mode</tail>
</doc>'

signed_info() {  # c14n signature-method references...
  local c14n="$1" method="$2"
  shift 2
  printf '<SignedInfo><CanonicalizationMethod Algorithm="%s"/><SignatureMethod Algorithm="%s"/>%s</SignedInfo>' \
    "$(c14n_uri "$c14n")" "$method" "$*"
}
reference() {  # uri digest c14n [enveloped]
  local transforms=""
  if [ "${4:-}" = enveloped ]; then transforms="<Transform Algorithm=\"$env_uri\"/>"; fi
  transforms="$transforms<Transform Algorithm=\"$(c14n_uri "$3")\"/>"
  printf '<Reference URI="%s"><Transforms>%s</Transforms><DigestMethod Algorithm="%s"/><DigestValue/></Reference>' \
    "$1" "$transforms" "$(digest_uri "$2")"
}
key_info='<KeyInfo><X509Data/></KeyInfo>'

# template NAME MODE(enveloped|enveloping|detached) METHOD-URI DIGEST C14N
template() {
  local name="$1" mode="$2" method="$3" digest="$4" c14n="$5" si
  case "$mode" in
    enveloped)
      si="$(signed_info "$c14n" "$method" "$(reference "" "$digest" "$c14n" enveloped)")"
      printf '<?xml version="1.0" encoding="UTF-8"?>\n%s\n' \
        "${payload%</doc>}<Signature xmlns=\"$ds\">$si<SignatureValue/>$key_info</Signature></doc>" ;;
    detached)
      si="$(signed_info "$c14n" "$method" "$(reference "#a" "$digest" "$c14n")$(reference "#b" "$digest" "$c14n")")"
      printf '<?xml version="1.0" encoding="UTF-8"?>\n%s\n' \
        "${payload%</doc>}<Signature xmlns=\"$ds\">$si<SignatureValue/>$key_info</Signature></doc>" ;;
    enveloping)
      si="$(signed_info "$c14n" "$method" "$(reference "#object" "$digest" "$c14n")")"
      printf '<?xml version="1.0" encoding="UTF-8"?>\n<Signature xmlns="%s">%s<SignatureValue/>%s<Object Id="object">%s</Object></Signature>\n' \
        "$ds" "$si" "$key_info" "$payload" ;;
  esac > "$work/$name.tmpl.xml"
}

# sign NAME KEY MODE METHOD-URI DIGEST C14N
sign() {
  local name="$1" key="$2"
  template "$name" "$3" "$4" "$5" "$6"
  xmlsec1 --sign --id-attr:Id item \
    --privkey-pem "$pki/$key.key.pem,$pki/$key.cert.pem,$pki/intermediate.cert.pem" \
    --output "$out/$name.xml" "$work/$name.tmpl.xml"
  verify "$out/$name.xml" >/dev/null
}
verify() {
  xmlsec1 --verify --id-attr:Id item --trusted-pem "$pki/ca.cert.pem" \
    --untrusted-pem "$pki/intermediate.cert.pem" "$1" 2>&1
}

# flip ELEMENT IN OUT: flips one bit in the middle of the decoded base64 content of the first
# ds:ELEMENT and re-encodes it, so the document stays well-formed and the value valid base64.
flip() {
  perl -MMIME::Base64 -0777 -pe '
    BEGIN { $el = shift @ARGV }
    s{(<(?:\w+:)?$el\b[^>]*>)([^<]*)(<)}{
      my ($open, $text, $close) = ($1, $2, $3);
      my $raw = decode_base64($text);
      my $i = int(length($raw) / 2);
      substr($raw, $i, 1) = chr(ord(substr($raw, $i, 1)) ^ 0x01);
      $open . encode_base64($raw, "") . $close
    }e;
  ' "$1" < "$2" > "$3"
}
# change IN OUT: one byte of signed content ("Hello" -> "Jello").
change() {
  sed 's/>Hello />Jello /' "$1" > "$2"
}
must_fail() {
  if verify "$1" >/dev/null; then echo "xmlsec1 accepted tampered $1" >&2; exit 1; fi
}

sign rsa-sha256-enveloped rsa2048 enveloped "${more}rsa-sha256" sha256 exc
sign rsa-sha384-enveloped-inc rsa3072 enveloped "${more}rsa-sha384" sha384 inc
sign rsa-sha512-enveloping-c14n11 rsa4096 enveloping "${more}rsa-sha512" sha512 c14n11
sign ecdsa-sha256-enveloped ec-p256 enveloped "${more}ecdsa-sha256" sha256 exc
sign ecdsa-sha384-enveloped-exc-comments ec-p384 enveloped "${more}ecdsa-sha384" sha384 exc-comments
sign ecdsa-sha512-enveloping ec-p521 enveloping "${more}ecdsa-sha512" sha512 inc-comments
sign rsa-sha256-detached rsa2048 detached "${more}rsa-sha256" sha256 exc

change "$out/rsa-sha256-enveloped.xml" "$out/rsa-sha256-enveloped-bad-content.xml"
flip SignatureValue "$out/rsa-sha256-enveloped.xml" "$out/rsa-sha256-enveloped-bad-signature.xml"
flip DigestValue "$out/ecdsa-sha256-enveloped.xml" "$out/ecdsa-sha256-enveloped-bad-digest.xml"
flip SignatureValue "$out/ecdsa-sha512-enveloping.xml" "$out/ecdsa-sha512-enveloping-bad-signature.xml"
change "$out/rsa-sha256-detached.xml" "$out/rsa-sha256-detached-bad-content.xml"
sed 's/unsigned in detached mode/changed, still unsigned/' "$out/rsa-sha256-detached.xml" \
  > "$out/rsa-sha256-detached-unsigned-changed.xml"
verify "$out/rsa-sha256-detached-unsigned-changed.xml" >/dev/null

for f in rsa-sha256-enveloped-bad-content rsa-sha256-enveloped-bad-signature ecdsa-sha256-enveloped-bad-digest \
         ecdsa-sha512-enveloping-bad-signature rsa-sha256-detached-bad-content; do
  must_fail "$out/$f.xml"
done

cp "$pki/ca.cert.pem" "$out/ca.cert.pem"
echo "wrote $(find "$out" -name '*.xml' | wc -l) documents to $out"
