#!/usr/bin/python3
"""Makes test-vectors/dsig/transform-order/: enveloped signatures in the order real Panamanian PAC
signatures (.NET SignedXml) use — Reference transforms exclusive C14N *then* enveloped-signature,
SignedInfo in inclusive C14N 1.0 — which xmlsec1 refuses.

Everything is computed without istmo, by the XMLDSig processing model written out here with lxml:
  node-set of the document (comments dropped: URI="")
  -> exclusive C14N -> octets
  -> the octets parsed again -> the enveloped transform removes the same ds:Signature
  -> the implicit final C14N 1.0 -> SHA-256 = DigestValue;
SignedInfo is canonicalized with C14N 1.0 and signed with `openssl dgst -sha256 -sign`.

Usage: /usr/bin/python3 scripts/make-transform-order-vector.py   (Debian python3 with python3-lxml; openssl)
"""
import base64
import copy
import hashlib
import pathlib
import subprocess
import sys
import tempfile

from lxml import etree

ROOT = pathlib.Path(__file__).resolve().parent.parent
PKI = ROOT / "test-vectors" / "pki"
OUT = ROOT / "test-vectors" / "dsig" / "transform-order"
DS = "http://www.w3.org/2000/09/xmldsig#"

# A small rFE-like document: a default namespace, an unused prefix on the root (exclusive C14N
# drops it, inclusive keeps it), a comment, and the Signature in the default XMLDSig namespace
# the way .NET writes it, with empty DigestValue and SignatureValue to be filled.
TEMPLATE = """<?xml version="1.0" encoding="utf-8"?>
<rFE xmlns="http://dgi-fep.mef.gob.pa" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:u="urn:unused">
  <dVerForm>1.00</dVerForm>
  <!-- comment outside the signed node-set -->
  <gDGen><iAmb>2</iAmb><dFechaEm>2026-11-28T09:00:00-05:00</dFechaEm></gDGen>
  <gTot><dVTotItems>10.70</dVTotItems><dVTot>10.70</dVTot></gTot>
<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315" /><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" /><Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#" /><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature" /></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256" /><DigestValue></DigestValue></Reference></SignedInfo><SignatureValue></SignatureValue><KeyInfo><X509Data><X509Certificate>CERT</X509Certificate></X509Data></KeyInfo></Signature></rFE>
"""


def pem_body(path):
    lines = path.read_text().splitlines()
    start = lines.index("-----BEGIN CERTIFICATE-----")
    end = lines.index("-----END CERTIFICATE-----")
    return "".join(lines[start + 1:end])


def reference_octets(document):
    """exc-c14n of the whole document, parsed again, enveloped signature removed, C14N 1.0."""
    exclusive = etree.tostring(document, method="c14n", exclusive=True, with_comments=False)
    reparsed = etree.fromstring(exclusive).getroottree()
    signature = reparsed.getroot().find("{%s}Signature" % DS)
    signature.getparent().remove(signature)
    return etree.tostring(reparsed, method="c14n", exclusive=False, with_comments=False)


def signed_info_c14n(signed_info):
    """Inclusive C14N 1.0 of SignedInfo as a document subset: every namespace in scope is
    rendered on SignedInfo (the ds default namespace, xsi and u from the root). lxml's c14n of a
    non-root element writes a wrong xmlns="" on the children of a default-namespace element, so
    SignedInfo is moved into a document of its own with its in-scope namespaces declared, and
    that whole document is canonicalized."""
    apex = etree.Element(signed_info.tag, nsmap=signed_info.nsmap)
    for name, value in signed_info.attrib.items():
        apex.set(name, value)
    apex.text = signed_info.text
    for child in signed_info:
        apex.append(copy.deepcopy(child))
    octets = etree.tostring(apex.getroottree(), method="c14n", exclusive=False, with_comments=False)
    assert b'xmlns=""' not in octets, octets
    return octets


def sign(data, key):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key), f.name],
                              check=True, capture_output=True).stdout


def verify_with_openssl(data, signature, cert):
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        (d / "data").write_bytes(data)
        (d / "sig").write_bytes(signature)
        pub = subprocess.run(["openssl", "x509", "-in", str(cert), "-pubkey", "-noout"],
                             check=True, capture_output=True).stdout
        (d / "pub.pem").write_bytes(pub)
        subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(d / "pub.pem"), "-signature",
                        str(d / "sig"), str(d / "data")], check=True, capture_output=True)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.replace("CERT", pem_body(PKI / "rsa2048.cert.pem"))
    document = etree.fromstring(text.encode()).getroottree()
    octets = reference_octets(document)
    digest = base64.b64encode(hashlib.sha256(octets).digest()).decode()
    document.getroot().find(".//{%s}DigestValue" % DS).text = digest
    signed_info_octets = signed_info_c14n(document.getroot().find(".//{%s}SignedInfo" % DS))
    value = sign(signed_info_octets, PKI / "rsa2048.key.pem")
    verify_with_openssl(signed_info_octets, value, PKI / "rsa2048.cert.pem")
    document.getroot().find(".//{%s}SignatureValue" % DS).text = base64.b64encode(value).decode()
    signed = etree.tostring(document, xml_declaration=True, encoding="utf-8")
    (OUT / "exc-c14n-then-enveloped.xml").write_bytes(signed + b"\n")
    # What the Reference digests, for the test to compare with istmo's signed octets.
    (OUT / "exc-c14n-then-enveloped.digested.xml").write_bytes(octets)
    (OUT / "exc-c14n-then-enveloped.signedinfo.xml").write_bytes(signed_info_octets)
    tampered = signed.replace(b"<dVTot>10.70</dVTot>", b"<dVTot>10.71</dVTot>")
    assert tampered != signed
    (OUT / "exc-c14n-then-enveloped-bad-content.xml").write_bytes(tampered + b"\n")
    print("written to", OUT, "DigestValue", digest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
