#!/usr/bin/env python3
"""(Re)generates test-vectors/xades-others/: XAdES signatures shaped the way other signers make
them (extra certificates in KeyInfo, the signer only in CertificateValues or nowhere, KeyInfo
forms such as DEREncodedKeyValue, KeyInfoReference, RetrievalMethod and X509Data that only names
the certificate, a copied SignatureTimeStamp, a counter-signature whose Reference has no Type, a
SHA-1 CertDigest) and one wrapping attack (a signed ds:Manifest hidden in a nested ds:Object).

Independent tools only: every signature value is made by the xmlsec1 CLI, certificate digests,
SubjectPublicKeyInfo, names and the time-stamp token by the openssl CLI; python3 (standard
library) only assembles text. After signing, only unsigned parts are edited (KeyInfo, unsigned
properties, unsigned ds:Object), and every file's core is checked again with xmlsec1 against the
signer's certificate. tests/xades_others_test.cpp reads the table of the folder's README.md.

Usage: scripts/make-xades-others-vectors.py [output-dir]
"""
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PKI = os.path.join(HERE, "..", "test-vectors", "pki")
OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "test-vectors", "xades-others"))

DS = "http://www.w3.org/2000/09/xmldsig#"
DS11 = "http://www.w3.org/2009/xmldsig11#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = DS + "enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = DS + "sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SP_TYPE = "http://uri.etsi.org/01903#SignedProperties"
ID_ATTRS = ["--id-attr:Id", XADES + ":SignedProperties", "--id-attr:Id", DS + ":SignatureValue",
            "--id-attr:Id", DS + ":Signature", "--id-attr:Id", DS + ":Manifest", "--id-attr:Id", DS + ":Object",
            "--id-attr:Id", "urn:istmo:others:Item"]

work = tempfile.mkdtemp()


def run(args, data=None):
    done = subprocess.run(args, input=data, capture_output=True)
    if done.returncode != 0:
        sys.exit("%s failed:\n%s" % (" ".join(args), done.stderr.decode(errors="replace")))
    return done.stdout


def pem(name):
    return os.path.join(PKI, name)


def cert_der(name):
    return run(["openssl", "x509", "-in", pem(name + ".cert.pem"), "-outform", "DER"])


def b64(data):
    return base64.b64encode(data).decode()


def spki_der(name):
    public = run(["openssl", "x509", "-in", pem(name + ".cert.pem"), "-pubkey", "-noout"])
    return run(["openssl", "pkey", "-pubin", "-outform", "DER"], public)


def issuer_serial(name):
    issuer = run(["openssl", "x509", "-in", pem(name + ".cert.pem"), "-noout", "-issuer", "-nameopt", "RFC2253"]).decode()
    serial = run(["openssl", "x509", "-in", pem(name + ".cert.pem"), "-noout", "-serial"]).decode()
    return issuer.strip().split("=", 1)[1], int(serial.strip().split("=", 1)[1], 16)


def subject_name(name):
    subject = run(["openssl", "x509", "-in", pem(name + ".cert.pem"), "-noout", "-subject", "-nameopt", "RFC2253"]).decode()
    return subject.strip().split("=", 1)[1]


def ski(name):
    text = run(["openssl", "x509", "-in", pem(name + ".cert.pem"), "-noout", "-ext", "subjectKeyIdentifier"]).decode()
    return bytes.fromhex(text.strip().splitlines()[-1].strip().replace(":", ""))


def x509_certificates(*names):
    return "".join("<ds:X509Certificate>%s</ds:X509Certificate>" % b64(cert_der(n)) for n in names)


def reference(uri, transforms, ref_type=None, digest=SHA256):
    t = "".join('<ds:Transform Algorithm="%s"/>' % a for a in transforms)
    type_attr = ' Type="%s"' % ref_type if ref_type else ""
    return ('<ds:Reference URI="%s"%s><ds:Transforms>%s</ds:Transforms><ds:DigestMethod Algorithm="%s"/>'
            "<ds:DigestValue/></ds:Reference>" % (uri, type_attr, t, digest))


def signed_properties(signer, cert_digest_alg="sha256"):
    uri = SHA256 if cert_digest_alg == "sha256" else SHA1
    digest = hashlib.new(cert_digest_alg, cert_der(signer)).digest()
    return ('<xades:SignedProperties Id="sp"><xades:SignedSignatureProperties>'
            "<xades:SigningTime>2026-01-02T03:04:05Z</xades:SigningTime><xades:SigningCertificateV2><xades:Cert>"
            '<xades:CertDigest><ds:DigestMethod Algorithm="%s"/><ds:DigestValue>%s</ds:DigestValue></xades:CertDigest>'
            "</xades:Cert></xades:SigningCertificateV2></xades:SignedSignatureProperties></xades:SignedProperties>"
            % (uri, b64(digest)))


def xades_template(signer="rsa2048", cert_digest_alg="sha256", signed_objects="", extra_refs="", body=""):
    """An enveloped XAdES B-B signature template without KeyInfo (added after signing)."""
    si = ('<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="%s"/><ds:SignatureMethod Algorithm="%s"/>%s%s%s'
          "</ds:SignedInfo>" % (EXC, RSA_SHA256, reference("", [ENVELOPED, EXC]), reference("#sp", [EXC], SP_TYPE),
                                extra_refs))
    qp = ('<ds:Object><xades:QualifyingProperties xmlns:xades="%s" Target="#sig">%s</xades:QualifyingProperties>'
          "</ds:Object>" % (XADES, signed_properties(signer, cert_digest_alg)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<inv:Invoice xmlns:inv="urn:istmo:others">'
            '<inv:Item Id="item">Consulting, 100.00</inv:Item><inv:Total>100.00</inv:Total>%s'
            '<ds:Signature xmlns:ds="%s" Id="sig">%s<ds:SignatureValue Id="sig-value"/>%s%s</ds:Signature>'
            "</inv:Invoice>\n" % (body, DS, si, qp, signed_objects))


def xmlsec_sign(template, key, extra=()):
    path = os.path.join(work, "tmpl.xml")
    with open(path, "w") as f:
        f.write(template)
    return run(["xmlsec1", "--sign", *ID_ATTRS, *extra, "--privkey-pem", key, "--output", "-", path]).decode()


def xmlsec_verify_core(xml, cert, node_id=None):
    """Core check with xmlsec1 and the signer's certificate given directly (KeyInfo removed from
    a copy, so that only the signed content decides)."""
    stripped = re.sub(r"<ds:KeyInfo>.*?</ds:KeyInfo>", "", xml, count=0 if node_id else 1, flags=re.S)
    path = os.path.join(work, "check.xml")
    with open(path, "w") as f:
        f.write(stripped)
    args = ["xmlsec1", "--verify", *ID_ATTRS, "--pubkey-cert-pem", pem(cert + ".cert.pem")]
    if node_id:
        args += ["--node-id", node_id]
    run(args + [path])


def after_signature_value(xml, text):
    return xml.replace("</ds:SignatureValue>", "</ds:SignatureValue>" + text, 1)


def with_unsigned(xml, unsigned_signature_properties):
    return xml.replace("</xades:SignedProperties>", "</xades:SignedProperties><xades:UnsignedProperties>"
                       "<xades:UnsignedSignatureProperties>%s</xades:UnsignedSignatureProperties>"
                       "</xades:UnsignedProperties>" % unsigned_signature_properties, 1)


def key_info(content, extra_ns=""):
    return "<ds:KeyInfo%s>%s</ds:KeyInfo>" % (extra_ns, content)


written = []


def plain_xmldsig(key, body=""):
    """A plain enveloped XMLDSig signature (no XAdES) over the same invoice."""
    template = xades_template(body=body).replace(reference("#sp", [EXC], SP_TYPE), "")
    return xmlsec_sign(re.sub(r"<ds:Object><xades:QualifyingProperties.*?</ds:Object>", "", template, flags=re.S), key)


def write(name, xml, signer="rsa2048"):
    xmlsec_verify_core(xml, signer)
    with open(os.path.join(OUT, name), "w") as f:
        f.write(xml)
    written.append(name)


def timestamp_token_over_other_data():
    """An RFC 3161 token (openssl ts) by the test PKI's tsa-only certificate over other bytes."""
    cnf = os.path.join(work, "tsa.cnf")
    with open(cnf, "w") as f:
        f.write("[ tsa ]\ndefault_tsa = tsa_config\n[ tsa_config ]\nserial = %s\ndefault_policy = 1.2.3.4.1\n"
                "digests = sha256\nsigner_digest = sha256\naccuracy = secs:1\ness_cert_id_alg = sha256\n" % os.path.join(work, "serial"))
    with open(os.path.join(work, "serial"), "w") as f:
        f.write("01\n")
    data = os.path.join(work, "other.txt")
    with open(data, "w") as f:
        f.write("the SignatureValue of some other signature\n")
    query = run(["openssl", "ts", "-query", "-data", data, "-sha256", "-cert"])
    qpath = os.path.join(work, "q.tsq")
    with open(qpath, "wb") as f:
        f.write(query)
    return run(["openssl", "ts", "-reply", "-config", cnf, "-queryfile", qpath, "-signer", pem("tsa-only.cert.pem"),
                "-inkey", pem("tsa-only.key.pem"), "-chain", pem("intermediate.cert.pem"), "-token_out"])


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".xml") or f.endswith(".pem"):
            os.remove(os.path.join(OUT, f))
    key = pem("rsa2048.key.pem")
    base = xmlsec_sign(xades_template(), key)
    full_chain = key_info("<ds:X509Data>%s</ds:X509Data>" % x509_certificates("rsa2048", "intermediate"))
    write("base-b-b.xml", after_signature_value(base, full_chain))

    # 1. Unrelated certificates next to the signer's in the unsigned KeyInfo.
    write("extra-cert-after-signer.xml", after_signature_value(
        base, key_info("<ds:X509Data>%s</ds:X509Data>" % x509_certificates("rsa2048", "intermediate", "ec-p256"))))
    write("extra-cert-before-signer.xml", after_signature_value(
        base, key_info("<ds:X509Data>%s</ds:X509Data>" % x509_certificates("untrusted", "rsa3072", "rsa2048"))))
    write("extra-cert-only.xml", after_signature_value(
        base, key_info("<ds:X509Data>%s</ds:X509Data>" % x509_certificates("rsa3072"))))
    plain = plain_xmldsig(key)
    write("xmldsig-extra-cert.xml", after_signature_value(
        plain, key_info("<ds:X509Data>%s</ds:X509Data>" % x509_certificates("rsa2048", "ec-p256"))))

    # 2. The signer's certificate outside KeyInfo.
    values = "<xades:CertificateValues>%s</xades:CertificateValues>" % "".join(
        "<xades:EncapsulatedX509Certificate>%s</xades:EncapsulatedX509Certificate>" % b64(cert_der(n))
        for n in ("rsa2048", "intermediate"))
    write("signer-in-certificate-values.xml", with_unsigned(base, values))
    write("no-key-info.xml", base)
    # Key substitution: signed with the rsa3072 key (in KeyInfo) while SigningCertificateV2 names
    # rsa2048 (in CertificateValues): the signed properties name a signer whose key did not sign.
    substituted = xmlsec_sign(xades_template(signer="rsa2048"), pem("rsa3072.key.pem"))
    write("key-substitution.xml", with_unsigned(after_signature_value(substituted, key_info(
        "<ds:X509Data>%s</ds:X509Data>" % x509_certificates("rsa3072", "intermediate"))), values), signer="rsa3072")

    # 3. KeyInfo forms.
    write("der-encoded-key-value.xml", with_unsigned(after_signature_value(
        base, key_info("<dsig11:DEREncodedKeyValue>%s</dsig11:DEREncodedKeyValue>" % b64(spki_der("rsa2048")),
                       ' xmlns:dsig11="%s"' % DS11)), values))
    certs_object = '<ds:Object><ds:X509Data Id="signer-certs">%s</ds:X509Data></ds:Object>' % x509_certificates(
        "rsa2048", "intermediate")
    write("retrieval-method.xml", after_signature_value(
        base, key_info('<ds:RetrievalMethod URI="#signer-certs" Type="%sX509Data"/>' % DS) + certs_object))
    write("retrieval-method-loop.xml", after_signature_value(
        base, key_info('<ds:RetrievalMethod URI="#loop-b"/>') +
        '<ds:Object><ds:KeyInfo Id="loop-a"><ds:RetrievalMethod URI="#loop-b"/></ds:KeyInfo>'
        '<ds:RetrievalMethod Id="loop-b" URI="#loop-a"/></ds:Object>'))
    write("retrieval-method-external.xml", after_signature_value(
        base, key_info('<ds:RetrievalMethod URI="https://example.invalid/signer.xml" Type="%sX509Data"/>' % DS)))
    ki_object = '<ds:Object><ds:KeyInfo Id="signer-key-info"><ds:X509Data>%s</ds:X509Data></ds:KeyInfo></ds:Object>' % (
        x509_certificates("rsa2048", "intermediate"))
    write("key-info-reference.xml", after_signature_value(
        base, key_info('<dsig11:KeyInfoReference URI="#signer-key-info"/>', ' xmlns:dsig11="%s"' % DS11) + ki_object))
    # The same pointer to a ds:KeyInfo in the invoice itself (signed content, outside the signature).
    outside = xmlsec_sign(xades_template(body='<inv:Certificates><ds:KeyInfo xmlns:ds="%s" Id="signer-key-info"><ds:X509Data>'
                                              "%s</ds:X509Data></ds:KeyInfo></inv:Certificates>" % (
                                                  DS, x509_certificates("rsa2048", "intermediate"))), key)
    write("key-info-reference-outside.xml", after_signature_value(
        outside, key_info('<dsig11:KeyInfoReference URI="#signer-key-info"/>', ' xmlns:dsig11="%s"' % DS11)))
    # The same two pointers in plain XMLDSig (the shape the streaming path of large documents takes).
    write("xmldsig-key-info-reference-outside.xml", after_signature_value(plain_xmldsig(key, body=(
        '<inv:Certificates><ds:KeyInfo xmlns:ds="%s" Id="signer-key-info"><ds:X509Data>%s</ds:X509Data></ds:KeyInfo>'
        "</inv:Certificates>" % (DS, x509_certificates("rsa2048", "intermediate")))),
        key_info('<dsig11:KeyInfoReference URI="#signer-key-info"/>', ' xmlns:dsig11="%s"' % DS11)))
    write("xmldsig-retrieval-method.xml", after_signature_value(
        plain_xmldsig(key), key_info('<ds:RetrievalMethod URI="#signer-certs" Type="%sX509Data"/>' % DS) + certs_object))
    issuer, serial = issuer_serial("rsa2048")
    write("x509-issuer-serial-only.xml", after_signature_value(base, key_info(
        "<ds:X509Data><ds:X509IssuerSerial><ds:X509IssuerName>%s</ds:X509IssuerName><ds:X509SerialNumber>%d"
        "</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data>" % (issuer, serial))))
    write("x509-subject-name-only.xml", after_signature_value(base, key_info(
        "<ds:X509Data><ds:X509SubjectName>%s</ds:X509SubjectName></ds:X509Data>" % subject_name("rsa2048"))))
    write("x509-ski-only.xml", after_signature_value(base, key_info(
        "<ds:X509Data><ds:X509SKI>%s</ds:X509SKI></ds:X509Data>" % b64(ski("rsa2048")))))

    # 4. A signed ds:Manifest moved into a nested ds:Object, an unsigned decoy in its place.
    manifest = ('<ds:Manifest Id="manifest"><ds:Reference URI="#item"><ds:DigestMethod Algorithm="%s"/>'
                "<ds:DigestValue>%s</ds:DigestValue></ds:Reference></ds:Manifest>" % (SHA256, b64(b"\0" * 32)))
    signed = xmlsec_sign(xades_template(signed_objects="<ds:Object>%s</ds:Object>" % manifest,
                                        extra_refs=reference("#manifest", [EXC], DS + "Manifest")), key)
    signed = after_signature_value(signed, full_chain)
    write("manifest-signed.xml", signed)
    manifest = re.search(r"<ds:Manifest Id=\"manifest\">.*?</ds:Manifest>", signed, re.S).group(0)  # digest filled
    # The decoy claims another digest of the item (xmlsec1 also checks unsigned Manifests' references).
    decoy = re.sub(r"<ds:DigestValue>[^<]*</ds:DigestValue>", "<ds:DigestValue>%s</ds:DigestValue>" % b64(b"\1" * 32),
                   manifest.replace(' Id="manifest"', ""))
    wrapped = signed.replace("<ds:Object>%s</ds:Object>" % manifest,
                             "<ds:Object>%s<ds:Object>%s</ds:Object></ds:Object>" % (decoy, manifest))
    assert wrapped != signed
    write("manifest-nested-object.xml", wrapped)

    # 5. A SignatureTimeStamp copied from another signature.
    token = timestamp_token_over_other_data()
    write("copied-signature-time-stamp.xml", with_unsigned(after_signature_value(base, full_chain),
        '<xades:SignatureTimeStamp><ds:CanonicalizationMethod Algorithm="%s"/><xades:EncapsulatedTimeStamp>%s'
        "</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp>" % (EXC, b64(token))))

    # 6. A counter-signature whose Reference has no Type (xades4j before 2012).
    outer = after_signature_value(base, full_chain)
    counter = ('<xades:CounterSignature><ds:Signature Id="counter"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="%s"/>'
               '<ds:SignatureMethod Algorithm="%s"/>%s</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/>'
               "</ds:KeyInfo></ds:Signature></xades:CounterSignature>" % (EXC, RSA_SHA256, reference("#sig-value", [EXC])))
    template = with_unsigned(outer, counter)
    countersigned = xmlsec_sign(template, "%s,%s,%s" % (pem("rsa3072.key.pem"), pem("rsa3072.cert.pem"),
                                                        pem("intermediate.cert.pem")), ["--node-id", "counter"])
    xmlsec_verify_core(countersigned, "rsa3072", node_id="counter")
    write("countersignature-without-type.xml", countersigned)

    # 7. SigningCertificateV2 naming the signer by a SHA-1 CertDigest.
    sha1 = xmlsec_sign(xades_template(cert_digest_alg="sha1"), key)
    write("sha1-cert-digest.xml", after_signature_value(sha1, full_chain))

    shutil.rmtree(work)
    print("wrote %d documents to %s" % (len(written), OUT))


if __name__ == "__main__":
    main()
