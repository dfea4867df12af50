#!/usr/bin/env bash
# (Re)generates test-vectors/attacks/: hostile documents, signatures and time-stamp tokens, each
# with one row in test-vectors/attacks/README.md (file | check | expected code | what it is).
# tests/attack_suite_test.cpp reads that table: every file must be rejected with its code, never
# TOTAL_PASSED, within a time and memory budget, without reading a file or opening a socket.
#
# Signatures are made with our CLI (`istmo sign`) and the test PKI, then edited (python3 string
# surgery); small keys, certificates and RFC 3161 tokens are made with the openssl CLI.
# RSA PKCS#1 v1.5 is deterministic, so re-running gives the same XML signatures (openssl ts and
# ECDSA outputs differ on each run).
# Usage: scripts/make-attack-vectors.sh [ISTMO_CLI]   (default: the first build*/examples/istmo)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
pki="$root/test-vectors/pki"
out="$root/test-vectors/attacks"
cli="${1:-}"
if [ -z "$cli" ]; then
  for c in "$root"/build/examples/istmo "$root"/build*/examples/istmo; do
    [ -x "$c" ] && { cli=$c; break; }
  done
fi
[ -x "$cli" ] || { echo "istmo CLI not found: build it or pass its path" >&2; exit 1; }
command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Everything is generated into $work/out and replaces the folder only when all went well.
final=$out
out=$work/out
mkdir -p "$out"

# ---- signed base documents ----------------------------------------------------------------
cat > "$work/doc.xml" <<'XML'
<Invoice xmlns="urn:istmo:attack"><Header Id="header">Invoice 2026-001 from ACME</Header><Item Id="item-1"><Desc>Consulting</Desc><Amount>100.00</Amount></Item><Total>100.00</Total></Invoice>
XML
sign() { "$cli" sign --key "$pki/$1.key.pem" --cert "$pki/$1.cert.pem" --chain "$pki/intermediate.cert.pem" "${@:2}"; }
sign rsa2048 -o "$work/enveloped.xml" "$work/doc.xml"
sign rsa2048 --mode detached --ref item-1 -o "$work/detached.xml" "$work/doc.xml"
sign rsa2048 --mode enveloping -o "$work/enveloping.xml" "$work/doc.xml"
sign rsa2048 --key-value -o "$work/keyvalue.xml" "$work/doc.xml"
sign rsa3072 --key-value -o "$work/keyvalue3072.xml" "$work/doc.xml"
"$cli" sign --key "$pki/ec-p256.key.pem" -o "$work/ec-keyvalue.xml" "$work/doc.xml"
sign rsa2048 --profile xades-b-b --signing-time 2026-01-02T03:04:05Z -o "$work/xades.xml" "$work/doc.xml"
cp "$root/test-vectors/panama-fe/valid/01-factura.xml" "$work/invoice.xml"
cp "$root/test-vectors/panama-fe/json/01-factura.json" "$work/invoice.json"

# A self-signed RSA-1024 certificate (below every minimum).
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$work/rsa1024.key" -subj "/CN=istmo attack rsa1024" \
  -days 7300 -out "$work/rsa1024.pem" 2>/dev/null
openssl x509 -in "$work/rsa1024.pem" -outform DER -out "$work/rsa1024.der"
openssl x509 -in "$pki/rsa2048.cert.pem" -outform DER -out "$work/rsa2048.der"

# ---- RFC 3161 tokens (openssl ts) ----------------------------------------------------------
printf 'the data that was time-stamped\n' > "$work/tsa-data.txt"
cat > "$work/tsa.cnf" <<'CNF'
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = /dev/null
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
printf '01\n' > "$work/serial"
sed -i "s#serial = /dev/null#serial = $work/serial#" "$work/tsa.cnf"
printf 'some other document\n' > "$work/other-data.txt"
cat "$pki/intermediate.cert.pem" "$pki/ca.cert.pem" > "$work/tsa-chain.pem"
tsa_reply() {  # tsa_reply DATA OUT.tsr
  openssl ts -query -data "$1" -sha256 -cert -out "$work/q.tsq" 2>/dev/null
  openssl ts -reply -config "$work/tsa.cnf" -queryfile "$work/q.tsq" -signer "$pki/tsa-only.cert.pem" \
    -inkey "$pki/tsa-only.key.pem" -chain "$work/tsa-chain.pem" -out "$2" 2>/dev/null
}
tsa_reply "$work/other-data.txt" "$work/ts-other.tsr"
openssl ts -reply -in "$work/ts-other.tsr" -token_out -out "$work/ts-other.tst" 2>/dev/null
tsa_reply "$work/tsa-data.txt" "$work/ts-replayed.tsr"
cp "$work/tsa-data.txt" "$out/tsa-data.txt"
# A token over tsa-data.txt signed by a certificate without the timeStamping EKU (rsa2048): openssl
# ts refuses such a signer, so the TSTInfo is built with asn1parse and signed with openssl cms.
cat > "$work/tst.cnf" <<CNF
asn1=SEQUENCE:tst
[tst]
version=INT:1
policy=OID:1.2.3.4.1
imprint=SEQUENCE:imprint
serial=INT:7
gentime=GENTIME:20260102030405Z
[imprint]
alg=SEQUENCE:alg
digest=FORMAT:HEX,OCTETSTRING:$(openssl dgst -sha256 -r "$work/tsa-data.txt" | cut -d' ' -f1)
[alg]
oid=OID:sha256
params=NULL
CNF
openssl asn1parse -genconf "$work/tst.cnf" -out "$work/tst.der" >/dev/null
openssl cms -sign -binary -nodetach -nosmimecap -in "$work/tst.der" -econtent_type id-smime-ct-TSTInfo \
  -signer "$pki/rsa2048.cert.pem" -inkey "$pki/rsa2048.key.pem" -certfile "$pki/intermediate.cert.pem" \
  -md sha256 -outform DER -out "$work/ts-no-eku.tst"

# ---- the attack files and the README table ---------------------------------------------------
python3 - "$work" "$out" <<'PY'
import base64, gzip, re, sys
work, out = sys.argv[1], sys.argv[2]
def rd(name, mode="r"):
    with open(f"{work}/{name}", mode) as f:
        return f.read()
enveloped, detached, enveloping = rd("enveloped.xml"), rd("detached.xml"), rd("enveloping.xml")
keyvalue, keyvalue3072, ec_keyvalue = rd("keyvalue.xml"), rd("keyvalue3072.xml"), rd("ec-keyvalue.xml")
xades, invoice = rd("xades.xml"), rd("invoice.xml")
rows = []

def once(text, old, new):
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)

def add(name, check, code, what, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > 256 * 1024:
        # Big inputs are stored gzip-compressed (the test decompresses them before the check).
        name += ".gz"
        data = gzip.compress(data, 9, mtime=0)
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)
    rows.append((name, check, code, what))

item = '<Item Id="item-1"><Desc>Consulting</Desc><Amount>100.00</Amount></Item>'
evil = '<Item Id="item-1"><Desc>Consulting</Desc><Amount>999999.00</Amount></Item>'
ds = "http://www.w3.org/2000/09/xmldsig#"
rsa_sha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
sha256 = "http://www.w3.org/2001/04/xmlenc#sha256"
env_tr = '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'

# -- signature wrapping ------------------------------------------------------------------------
add("wrap-01-duplicate-id-before.xml", "verify", "DSIG-ID-DUPLICATE",
    "detached signature over #item-1; an evil element with the same Id is inserted before the signed one",
    once(detached, item, evil + item))
add("wrap-02-duplicate-id-after.xml", "verify", "DSIG-ID-DUPLICATE",
    "as wrap-01 but the evil copy follows the signed element (verifiers that take the last match)",
    once(detached, item, item + evil))
add("wrap-03-id-other-attribute.xml", "verify", "DSIG-ID-DUPLICATE",
    "evil copy carries the Id in a lower-case `id` attribute (other Id attribute name)",
    once(detached, item, evil.replace('Id="item-1"', 'id="item-1"') + item))
add("wrap-04-id-other-namespace.xml", "verify", "DSIG-REF-DIGEST-MISMATCH",
    "signed element's Id moved to a wsu:Id attribute (other namespace), the evil copy takes the plain Id",
    once(detached, item, evil + item.replace('Id="item-1"',
         'xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" wsu:Id="item-1"')))
add("wrap-05-xml-id.xml", "verify", "DSIG-ID-DUPLICATE",
    "evil copy identified by xml:id=\"item-1\" beside the signed element",
    once(detached, item, evil.replace('Id="item-1"', 'xml:id="item-1"') + item))
add("wrap-06-moved-under-wrapper.xml", "verify", "DSIG-REF-DIGEST-MISMATCH",
    "enveloped URI=\"\" signature: the signed content moved under a <Wrapper>, an evil item in its place",
    once(enveloped, item, evil.replace(' Id="item-1"', '') + "<Wrapper>" + item + "</Wrapper>"))
obj_re = re.compile(r'<ds:Object Id="object-1">(.*?)</ds:Object>', re.S)
m = obj_re.search(enveloping)
assert m, "enveloping signature without ds:Object"
add("wrap-07-object-wrapped.xml", "verify", "XADES-OBJECT-WRAPPED",
    "enveloping signature: the signed ds:Object moved inside another ds:Object's content, an evil Object in its place",
    enveloping.replace(m.group(0),
        '<ds:Object><ds:Object Id="object-1">' + m.group(1) + '</ds:Object></ds:Object>'
        '<ds:Object Id="evil">' + m.group(1).replace("100.00", "999999.00") + '</ds:Object>', 1))
add("wrap-08-second-unsigned-copy.xml", "verify", "DSIG-REF-DIGEST-MISMATCH",
    "enveloped signature; a second, unsigned copy of the invoice body added beside the signed one",
    once(enveloped, "<Total>100.00</Total>", "<Total>100.00</Total><Header>Invoice 2026-002</Header>" + evil.replace(' Id="item-1"', '') + "<Total>999999.00</Total>"))
add("wrap-09-detached-sibling.xml", "verify", "DSIG-REF-EXTERNAL",
    "Reference URI names a detached sibling file (item-1.xml): never fetched",
    once(detached, 'URI="#item-1"', 'URI="item-1.xml"'))
sig_end = re.search(r"</ds:Signature>", detached).start()
add("wrap-10-original-hidden-in-object.xml", "verify", "DSIG-WRAPPING-SUSPECTED",
    "detached signature over #item-1: the signed original moved into a new ds:Object of the signature, an edited copy without the Id in its place",
    once(detached[:sig_end], item, evil.replace(' Id="item-1"', '')) + "<ds:Object>" + item + "</ds:Object>" + detached[sig_end:])
add("wrap-11-xpointer-duplicate-id.xml", "verify", "DSIG-ID-DUPLICATE",
    "Reference #xpointer(id('item-1')) with a duplicated Id",
    once(once(detached, 'URI="#item-1"', "URI=\"#xpointer(id('item-1'))\""), item, evil + item))
add("wrap-12-xpointer-expression.xml", "verify", "DSIG-REF-UNSUPPORTED-URI",
    "Reference #xpointer(//*[local-name()='Item'][last()]) (XPointer trick selecting by position)",
    once(detached, 'URI="#item-1"', "URI=\"#xpointer(//*[local-name()='Item'][last()])\""))
add("wrap-13-comment-in-signed-content.xml", "verify", "DSIG-REF-DIGEST-MISMATCH",
    "a comment splits signed text (100.00 -> 1<!---->000.00): comments are not canonical content",
    once(enveloped, "<Amount>100.00</Amount>", "<Amount>1<!--x-->000.00</Amount>"))
add("wrap-14-pi-in-signed-content.xml", "verify", "DSIG-REF-DIGEST-MISMATCH",
    "a processing instruction inserted inside signed content",
    once(enveloped, "<Amount>100.00</Amount>", "<Amount>100.00<?evil pay-more?></Amount>"))
inv_item = re.search(r"<gItem>.*?</gItem>", invoice, re.S).group(0)
add("wrap-15-invoice-second-item.xml", "invoice", "FE-SIG-INVALID",
    "signed Panama invoice with a second, unsigned copy of gItem",
    once(invoice, inv_item, inv_item + inv_item))
sig_close = re.search(r"</(ds:)?Signature>", invoice)
obj = "ds:Object" if sig_close.group(1) else "Object"
inv_sig_end = sig_close.start()
add("wrap-16-invoice-content-in-signature.xml", "invoice", "FE-SIG-INVALID",
    "signed Panama invoice: the real gItem hidden in a ds:Object of the signature, an edited one in its place",
    once(invoice[:inv_sig_end], inv_item, inv_item.replace("<dCantCodInt>", "<dCantCodInt>9")) +
    f"<{obj}>" + inv_item.replace("<gItem>", '<gItem xmlns="http://dgi-fep.mef.gob.pa">', 1) + f"</{obj}>" + invoice[inv_sig_end:])

# -- regular-expression blow-up (found by fuzz_invoice_json) ----------------------------------------
redos = "facts" + "s" * 80 + "(suras@istmo.example"
add("dos-01-invoice-email-redos.xml", "invoice", "FE-XSD-VALUE",
    "signed Panama invoice whose dCorElectEmi is 80 word characters and a '(' (exponential backtracking in the e-mail pattern)",
    once(invoice, "<dCorElectEmi>facturas@istmo.example</dCorElectEmi>", "<dCorElectEmi>" + redos + "</dCorElectEmi>"))
add("dos-02-invoice-json-email-redos.json", "invoice-json", "FE-XSD-VALUE",
    "`invoice new` JSON input with the same e-mail value (fuzz regression)",
    once(rd("invoice.json"), '"dCorElectEmi": ["facturas@istmo.example"]', '"dCorElectEmi": ["' + redos + '"]'))

# -- hostile XML -------------------------------------------------------------------------------
add("xml-01-xxe-file.xml", "verify", "XML-DTD-FORBIDDEN", "XXE: external entity file:///etc/passwd",
    '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r>&x;</r>\n')
add("xml-02-xxe-http.xml", "verify", "XML-DTD-FORBIDDEN", "XXE: external entity http://127.0.0.1:9/x",
    '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>\n<r>&x;</r>\n')
add("xml-03-external-dtd.xml", "verify", "XML-DTD-FORBIDDEN", "external DTD http://127.0.0.1:9/evil.dtd",
    '<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">\n<r/>\n')
add("xml-04-parameter-entities.xml", "verify", "XML-DTD-FORBIDDEN",
    "parameter entities (out-of-band exfiltration pattern: %file; into an http URL)",
    '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY % file SYSTEM "file:///etc/hostname">'
    '<!ENTITY % dtd SYSTEM "http://127.0.0.1:9/x.dtd">%dtd;]>\n<r/>\n')
laughs = "".join(f'<!ENTITY l{i} "' + f"&l{i-1};" * 10 + '">' for i in range(1, 10))
add("xml-05-billion-laughs.xml", "verify", "XML-DTD-FORBIDDEN", "billion laughs (10^9 expansion)",
    '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY l0 "lol">' + laughs + ']>\n<r>&l9;</r>\n')
add("xml-06-quadratic-blowup.xml", "verify", "XML-DTD-FORBIDDEN",
    "quadratic blow-up: one 20 kB entity referenced 50000 times (1 GB expanded)",
    '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "' + "x" * 20000 + '">]>\n<r>' + "&a;" * 50000 + "</r>\n")
add("xml-07-deep-nesting.xml", "verify", "XML-LIMIT-EXCEEDED", "100000 nested elements (limit max_depth 256)",
    "<a>" * 100000 + "</a>" * 100000)
add("xml-08-gigantic-attribute.xml", "verify", "XML-LIMIT-EXCEEDED", "one 3 MB attribute value (limit 1 MB)",
    '<r a="' + "A" * (3 * 1024 * 1024) + '"/>')
add("xml-09-many-attributes.xml", "verify", "XML-NOT-WELL-FORMED", "200000 attributes with the same name on one element",
    "<r" + ' a="1"' * 200000 + "/>")
add("xml-10-gigantic-text.xml", "verify", "XML-LIMIT-EXCEEDED", "one 12 MB text node (limit 10 MB)",
    "<r>" + "B" * (12 * 1024 * 1024) + "</r>")
add("xml-11-huge-digest-value.xml", "verify", "DSIG-BASE64-TOO-LARGE",
    "a 4 MB DigestValue (valid base64 decoding to 3 MB, far more than any digest)",
    re.sub(r"<ds:DigestValue>[^<]*</ds:DigestValue>", "<ds:DigestValue>" + "QUFB" * (1024 * 1024) + "</ds:DigestValue>", enveloped, 1))

# -- algorithms --------------------------------------------------------------------------------
add("alg-01-hmac-output-length.xml", "verify", "DSIG-ALG-HMAC",
    "HMAC-SHA1 with HMACOutputLength 8 (CVE-2009-0217 truncation)",
    once(enveloped, f'<ds:SignatureMethod Algorithm="{rsa_sha256}"/>',
         '<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"><ds:HMACOutputLength>8</ds:HMACOutputLength></ds:SignatureMethod>'))
add("alg-02-md5-digest.xml", "verify", "DSIG-ALG-FORBIDDEN", "MD5 DigestMethod (downgrade)",
    once(enveloped, sha256, "http://www.w3.org/2001/04/xmldsig-more#md5"))
add("alg-03-rsa-md5.xml", "verify", "DSIG-ALG-FORBIDDEN", "RSA-MD5 SignatureMethod (downgrade)",
    once(enveloped, rsa_sha256, "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"))
add("alg-04-sha1-digest.xml", "verify", "DSIG-ALG-LEGACY-REFUSED", "SHA-1 DigestMethod without the legacy option",
    once(enveloped, sha256, "http://www.w3.org/2000/09/xmldsig#sha1"))
add("alg-05-rsa-sha1.xml", "verify", "DSIG-ALG-LEGACY-REFUSED", "RSA-SHA1 SignatureMethod without the legacy option",
    once(enveloped, rsa_sha256, "http://www.w3.org/2000/09/xmldsig#rsa-sha1"))
add("alg-06-none.xml", "verify", "DSIG-ALG-UNKNOWN", "`none`-style SignatureMethod urn:none",
    once(enveloped, rsa_sha256, "urn:none"))
add("alg-07-empty-algorithm.xml", "verify", "DSIG-ALG-UNKNOWN", "empty SignatureMethod Algorithm",
    once(enveloped, rsa_sha256, ""))
add("alg-08-unknown-digest.xml", "verify", "DSIG-ALG-UNKNOWN", "unknown DigestMethod urn:none",
    once(enveloped, sha256, "urn:none"))
cert_re = re.compile(r"<ds:X509Certificate>[^<]*</ds:X509Certificate>")
small = base64.b64encode(rd("rsa1024.der", "rb")).decode()
add("alg-09-rsa1024-certificate.xml", "verify", "DSIG-KEY-TOO-SMALL",
    "signer certificate with an RSA-1024 key (below 2048)",
    cert_re.sub("<ds:X509Certificate>" + small + "</ds:X509Certificate>", enveloped))
ecpk = re.search(r"<dsig11:PublicKey>([^<]*)</dsig11:PublicKey>", ec_keyvalue) or \
       re.search(r"<ds11:PublicKey>([^<]*)</ds11:PublicKey>", ec_keyvalue) or \
       re.search(r"PublicKey>([^<]*)</", ec_keyvalue)
point = bytearray(base64.b64decode(ecpk.group(1)))
point[-1] ^= 0x01
add("alg-10-ecdsa-invalid-point.xml", "verify", "DSIG-KEY-NOT-FOUND",
    "ECDSA P-256 KeyValue whose point is not on the curve (last byte of Y changed)",
    ec_keyvalue.replace(ecpk.group(1), base64.b64encode(bytes(point)).decode(), 1))
kv = lambda s: s[s.index("<ds:KeyValue>"):s.index("</ds:KeyValue>") + len("</ds:KeyValue>")]
add("alg-11-keyvalue-cert-mismatch.xml", "verify", "DSIG-KEYVALUE-MISMATCH",
    "KeyValue of another key (rsa3072) beside the rsa2048 signer certificate (key substitution)",
    keyvalue.replace(kv(keyvalue), kv(keyvalue3072), 1))
add("alg-12-ecdsa-method-rsa-key.xml", "verify", "DSIG-KEY-ALG-MISMATCH",
    "ECDSA-SHA256 SignatureMethod over an RSA key (algorithm confusion)",
    once(enveloped, rsa_sha256, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"))

# -- transforms and URIs -----------------------------------------------------------------------
xslt = ('<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116">'
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">'
        '<xsl:template match="/"><xsl:value-of select="document(\'file:///etc/passwd\')"/></xsl:template>'
        '</xsl:stylesheet></ds:Transform>')
add("tr-01-xslt.xml", "verify", "DSIG-TRANSFORM-FORBIDDEN", "XSLT transform reading file:///etc/passwd",
    once(enveloped, env_tr, xslt))
xpath_dos = ('<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>'
             + "count(//. | //. | //. | //. | //. | //. | //. | //.) > 0 and " * 4 + "true()"
             + "</ds:XPath></ds:Transform>")
add("tr-02-xpath-dos.xml", "verify", "DSIG-TRANSFORM-FORBIDDEN", "XPath transform with an exponential expression (DoS)",
    once(enveloped, env_tr, xpath_dos))
add("tr-03-xpath-filter2.xml", "verify", "DSIG-TRANSFORM-FORBIDDEN", "XPath Filter 2.0 transform (wrapping surface)",
    once(enveloped, env_tr, '<ds:Transform Algorithm="http://www.w3.org/2002/06/xmldsig-filter2">'
         '<dsig-xpath:XPath xmlns:dsig-xpath="http://www.w3.org/2002/06/xmldsig-filter2" Filter="subtract">//*</dsig-xpath:XPath></ds:Transform>'))
add("tr-04-uri-file.xml", "verify", "DSIG-REF-EXTERNAL", "Reference URI file:///etc/passwd",
    once(enveloped, 'URI=""', 'URI="file:///etc/passwd"'))
add("tr-05-uri-http.xml", "verify", "DSIG-REF-EXTERNAL", "Reference URI http://127.0.0.1:9/data.xml",
    once(enveloped, 'URI=""', 'URI="http://127.0.0.1:9/data.xml"'))
add("tr-06-uri-relative.xml", "verify", "DSIG-REF-EXTERNAL", "Reference URI ../../etc/passwd (relative path)",
    once(enveloped, 'URI=""', 'URI="../../etc/passwd"'))
add("tr-07-base64-not-base64.xml", "verify", "DSIG-BASE64-INVALID",
    "Base64 transform over an element whose text is not base64",
    once(once(detached, '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>',
              '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#base64"/>'), "<Desc>Consulting</Desc>", "<Desc>!!!not*base64!!!</Desc>"))
add("tr-08-base64-then-c14n.xml", "verify", "DSIG-TRANSFORM-UNKNOWN",
    "Base64 transform followed by a canonicalization (decoded bytes re-parsed as XML)",
    once(detached, '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>',
         '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#base64"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'))
add("tr-09-too-many-transforms.xml", "verify", "DSIG-TOO-MANY", "100 transforms in one Reference (limit 8)",
    once(enveloped, env_tr, env_tr * 100))
ref = detached[detached.index("<ds:Reference "):detached.index("</ds:Reference>") + len("</ds:Reference>")]
add("tr-10-too-many-references.xml", "verify", "DSIG-TOO-MANY", "1000 References in SignedInfo (limit 64)",
    once(detached, ref, ref * 1000))

# -- XAdES ---------------------------------------------------------------------------------------
sp = re.search(r"<xades:SignedProperties.*?</xades:SignedProperties>", xades, re.S)
if sp:
    add("xades-01-second-signed-properties.xml", "verify", "XADES-SP-COUNT",
        "XAdES B-B with a second, unsigned SignedProperties carrying another SigningTime",
        xades.replace(sp.group(0), sp.group(0) + sp.group(0).replace('Id="', 'Id="evil-').replace("2026-01-02", "2020-01-02"), 1))

# -- RFC 3161 time-stamps ------------------------------------------------------------------------
add("tsa-01-token-for-other-data.tst", "tsa", "TSA-IMPRINT-MISMATCH",
    "a valid token (bare TimeStampToken) over other data than tsa-data.txt", rd("ts-other.tst", "rb"))
add("tsa-02-response-for-other-data.tsr", "tsa", "TSA-IMPRINT-MISMATCH",
    "a valid TimeStampResp over other data than tsa-data.txt", rd("ts-other.tsr", "rb"))
add("tsa-03-replayed-token.tsr", "tsa-nonce", "TSA-NONCE-MISMATCH",
    "a token over tsa-data.txt replayed for a request with another nonce", rd("ts-replayed.tsr", "rb"))
add("tsa-06-tsa-cert-without-eku.tst", "tsa", "TSA-CERT-EKU",
    "a token over tsa-data.txt signed by a certificate without the timeStamping EKU (rsa2048)", rd("ts-no-eku.tst", "rb"))
add("tsa-04-claimed-2gb-length.tsr", "tsa", "TSA-RESPONSE-MALFORMED",
    "DER SEQUENCE claiming a length of 2 GB (0x7fffffff) followed by 16 bytes",
    bytes([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]) + bytes(16))
add("tsa-05-garbage.tsr", "tsa", "TSA-RESPONSE-MALFORMED", "1 kB of 0xff (not DER)", b"\xff" * 1024)

with open(f"{out}/README.md", "w") as f:
    f.write("""# Attack suite

Generated by `scripts/make-attack-vectors.sh` (our CLI `istmo sign` with the test PKI, the openssl
CLI, python3 string edits); checked by `tests/attack_suite_test.cpp`, which reads the table below:
every file must be rejected with the finding code in the `expected` column (it must appear among the
report's findings), never TOTAL_PASSED, within the time and memory budget, and without any file
read or network connection (see docs/hardening.md). Files over 256 kB are stored gzip-compressed
(`.gz`); the test decompresses them and checks the decompressed bytes.

`check`: `verify` = `xades::Verifier` / `istmo verify` with `test-vectors/pki/ca.cert.pem` as the
trust anchor at 2030-01-01; `invoice` = `invoice::validate` / `istmo invoice validate` with
`test-vectors/pki/chain.pem`; `invoice-json` = `invoice::from_json` then `invoice::validate(model)`
(`istmo invoice new --from`); `tsa` = `tsa::verify_response_or_token` with
`tsa-data.txt` as the expected data and `test-vectors/pki/ca.cert.pem` as anchor (`tsa-nonce` also
expects nonce 0x0102030405).

| file | check | expected | what |
|---|---|---|---|
""")
    for name, check, code, what in rows:
        f.write(f"| `{name}` | {check} | `{code}` | {what} |\n")
print(f"{len(rows)} vectors")
PY
mkdir -p "$final"
find "$final" -mindepth 1 -maxdepth 1 -type f -delete
cp "$out"/* "$final"/
