#!/usr/bin/env python3
"""Builds test-vectors/panama-fe/extra/: Panama invoices in the shapes real documents take
(SPEC §10), from the signed valid vectors, without istmo:

- wrapped/: the rFE of valid/01-factura.xml (and of the SHA-1 vector) inside the containers that
  receivers and PACs keep: rContFe (xFe element), rEnviFe (xFe as an escaped string),
  rEnviFeDGI, and SOAP 1.1 / 1.2 envelopes around them; one with a changed amount.
- legacy/01-factura-sha1.xml: 01-factura signed by the xmlsec1 CLI with RSA-SHA1, a SHA-1
  digest and inclusive C14N 1.0 (what some production issuers send), QR computed here.
- qr/: 01-factura with its QR (outside the signature) rewritten as production ones are: JWT key
  orders {"typ","alg"} and {"digestValue","chFE","iAmb"}, a key "chFE " with a trailing space,
  and '=' written %3D in digestValue.

Requires python3 and xmlsec1. Run from the repository root:
    scripts/make-panama-extra-vectors.py
The HS256 JWTs are computed with Python's hmac (an independent computation of istmo's qr_jwt).
"""
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FE = os.path.join(ROOT, "test-vectors", "panama-fe")
OUT = os.path.join(FE, "extra")
PKI = os.path.join(ROOT, "test-vectors", "pki")
SECRET = b"istmo-test-qr-secret"
DS = "http://www.w3.org/2000/09/xmldsig#"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(rel, text):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def without_declaration(xml):
    return re.sub(r"^<\?xml[^>]*\?>\s*", "", xml)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(header_json, payload_json):
    signing_input = b64url(header_json.encode()) + "." + b64url(payload_json.encode())
    mac = hmac.new(SECRET, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def qr_url(cufe, iamb, digest_url, token):
    return ("https://dgi-fep-test.mef.gob.pa:40001/Consultas/FacturasPorQR?chFE=" + cufe + "&iAmb=" + iamb +
            "&digestValue=" + digest_url + "&jwt=" + token)


def field(xml, name):
    return re.search("<" + name + ">([^<]*)</" + name + ">", xml).group(1)


def with_qr(signed, url):
    """Replaces (or adds) gNoFirm, which lies outside the signature."""
    body = re.sub(r"<gNoFirm>.*?</gNoFirm>", "", signed, flags=re.S)
    no_firm = "<gNoFirm><dQRCode>" + escape(url) + "</dQRCode></gNoFirm>"
    return body.replace("</rFE>", no_firm + "</rFE>")


def default_qr(signed):
    cufe, iamb = field(signed, "dId"), field(signed, "iAmb")
    digest = re.search(r"<DigestValue>([^<]*)</DigestValue>", signed).group(1)
    payload = json.dumps({"chFE": cufe, "iAmb": iamb, "digestValue": digest}, separators=(",", ":"))
    return qr_url(cufe, iamb, digest, jwt('{"alg":"HS256","typ":"JWT"}', payload))


def sign_sha1(unsigned):
    """Signs with the xmlsec1 CLI: RSA-SHA1, SHA-1 digest, inclusive C14N 1.0, enveloped."""
    template = unsigned.replace("</rFE>", (
        '<Signature xmlns="' + DS + '"><SignedInfo>'
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
        '<SignatureMethod Algorithm="' + DS + 'rsa-sha1"/>'
        '<Reference URI=""><Transforms>'
        '<Transform Algorithm="' + DS + 'enveloped-signature"/>'
        '<Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
        '</Transforms><DigestMethod Algorithm="' + DS + 'sha1"/><DigestValue/></Reference>'
        '</SignedInfo><SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo>'
        '</Signature></rFE>'))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "template.xml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(template)
        key = os.path.join(PKI, "rsa2048.key.pem") + "," + os.path.join(PKI, "rsa2048.cert.pem")
        out = subprocess.run(["xmlsec1", "--sign", "--privkey-pem", key, path], check=True, capture_output=True)
    return out.stdout.decode("utf-8")


def unsigned_of(signed):
    body = re.sub(r"<gNoFirm>.*?</gNoFirm>", "", signed, flags=re.S)
    return re.sub(r"<Signature xmlns=\"" + re.escape(DS) + "\">.*?</Signature>", "", body, flags=re.S)


def wrappers(signed, stem):
    rfe = without_declaration(signed)
    escaped = escape(rfe)
    pac = ('<gRucPAC><dTipContPAC>2</dTipContPAC><dRucPAC>155704849-2-2021</dRucPAC><dDvPAC>32</dDvPAC></gRucPAC>'
           '<dFecProc>2026-11-20T10:20:00-05:00</dFecProc>')
    envi_dgi = ('<rEnviFeDGI xmlns="http://dgi-fep.mef.gob.pa"><dVerForm>1.00</dVerForm><iAmb>2</iAmb>' + pac + rfe +
                '</rEnviFeDGI>')
    envi_fe = ('<rEnviFe><dVerForm>1.00</dVerForm><dId>1</dId><iAmb>2</iAmb><xFe>' + escaped + '</xFe></rEnviFe>')
    decl = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return {
        "wrapped/" + stem + "-rContFe.xml": decl + (
            '<rContFe xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dVerForm>1.00</dVerForm><xFe>' + rfe +
            '</xFe><xProtFe/></rContFe>\n'),
        "wrapped/" + stem + "-rEnviFe.xml": decl + envi_fe + "\n",
        "wrapped/" + stem + "-rEnviFeDGI.xml": decl + envi_dgi + "\n",
        "wrapped/" + stem + "-soap11-rEnviFe.xml": decl + (
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:fe="http://dgi-fep.mef.gob.pa/wsdl/FeRecepFE"><soapenv:Header/><soapenv:Body>'
            '<fe:feDatosMsg>' + envi_fe.replace("<rEnviFe>", '<rEnviFe xmlns="http://dgi-fep.mef.gob.pa/wsdl/FeRecepFE">') +
            '</fe:feDatosMsg></soapenv:Body></soapenv:Envelope>\n'),
        "wrapped/" + stem + "-soap12-rEnviFeDGI.xml": decl + (
            '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:dgi="http://dgi-fep.mef.gob.pa/wsdl/FeRecepFE"><soap:Header><dgi:feHeaderMsg>'
            '<dgi:dVerForm>1.00</dgi:dVerForm></dgi:feHeaderMsg></soap:Header><soap:Body><dgi:feDatosMsg>' + envi_dgi +
            '</dgi:feDatosMsg></soap:Body></soap:Envelope>\n'),
    }


def main():
    valid = read(os.path.join(FE, "valid", "01-factura.xml"))
    files = wrappers(valid, "01-factura")
    tampered = wrappers(valid.replace("<dVTot>327.81</dVTot>", "<dVTot>327.82</dVTot>", 1), "01-factura")
    files["wrapped/01-factura-tampered-soap12-rEnviFeDGI.xml"] = tampered["wrapped/01-factura-soap12-rEnviFeDGI.xml"]

    signed_sha1 = sign_sha1(unsigned_of(valid))
    sha1 = with_qr(signed_sha1, default_qr(signed_sha1))
    files["legacy/01-factura-sha1.xml"] = sha1
    files["wrapped/01-factura-sha1-soap12-rEnviFeDGI.xml"] = wrappers(sha1, "x")["wrapped/x-soap12-rEnviFeDGI.xml"]
    files["wrapped/01-factura-sha1-rContFe.xml"] = wrappers(sha1, "x")["wrapped/x-rContFe.xml"]

    cufe, iamb = field(valid, "dId"), field(valid, "iAmb")
    digest = re.search(r"<DigestValue>([^<]*)</DigestValue>", valid).group(1)
    reordered = jwt('{"typ":"JWT","alg":"HS256"}',
                    json.dumps({"digestValue": digest, "chFE": cufe, "iAmb": iamb}, separators=(",", ":")))
    files["qr/01-factura-jwt-reordered.xml"] = with_qr(valid, qr_url(cufe, iamb, digest.replace("=", "%3D"), reordered))
    spaced = jwt('{"alg":"HS256","typ":"JWT"}',
                 json.dumps({"chFE ": cufe, "iAmb": iamb, "digestValue": digest}, separators=(",", ":")))
    files["qr/01-factura-jwt-key-space.xml"] = with_qr(valid, qr_url(cufe, iamb, digest, spaced))
    wrong = jwt('{"alg":"HS256","typ":"JWT"}',
                json.dumps({"iAmb": iamb, "chFE": cufe, "digestValue": "A" + digest[1:]}, separators=(",", ":")))
    files["qr/01-factura-jwt-digest-mismatch.xml"] = with_qr(valid, qr_url(cufe, iamb, digest, wrong))
    for rel, text in sorted(files.items()):
        write(rel, text)
        print(rel)


if __name__ == "__main__":
    sys.exit(main())
