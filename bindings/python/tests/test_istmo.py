"""Tests of the ctypes binding (bindings/python/istmo) over libistmo-c.

Run by CTest as python.pytest with ISTMO_C_LIBRARY (the built library) and ISTMO_CLI (the
istmo command-line program, for the round trips against its results)."""

import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

import istmo
import istmo.errors

PKI = Path(__file__).resolve().parents[3] / "test-vectors" / "pki"
FE = Path(__file__).resolve().parents[3] / "test-vectors" / "panama-fe"
PASSWORD = (PKI / "password.txt").read_text().strip()
DOCUMENT = (b'<Invoice xmlns="urn:example:invoice"><Number>0001</Number>'
            b'<Total currency="USD">100.00</Total></Invoice>')
CLI = os.environ.get("ISTMO_CLI", "")


@pytest.fixture(scope="module")
def key():
    return istmo.Key.load(PKI / "rsa2048.key.pem")


@pytest.fixture(scope="module")
def cert():
    return istmo.Cert.load(PKI / "rsa2048.cert.pem")


@pytest.fixture(scope="module")
def trust():
    return istmo.Trust([PKI / "ca.cert.pem", PKI / "intermediate.cert.pem"])


@pytest.fixture(scope="module")
def signed(key, cert):
    return istmo.sign(DOCUMENT, key, cert)


# ---- loading --------------------------------------------------------------------------------

def test_library_is_the_one_named_by_the_environment():
    if os.environ.get("ISTMO_TEST_INSTALLED") == "1":
        # The installed package, with the library found on the normal search path.
        assert not os.environ.get("ISTMO_C_LIBRARY") and not os.environ.get("ISTMO_LIBRARY")
        assert "bindings/python" not in istmo.__file__, istmo.__file__
        assert "/build" not in str(istmo._native.library_path), istmo._native.library_path
        return
    wanted = os.environ.get("ISTMO_C_LIBRARY")
    if not wanted:
        pytest.fail("ISTMO_C_LIBRARY is not set: the tests must run against the built library")
    assert istmo._native.library_path == wanted
    assert istmo.__version__ == istmo.version()
    major, minor, patch = (int(x) for x in istmo.version().split("."))
    assert istmo.version_number() == major * 10000 + minor * 100 + patch


# ---- keys, certificates, trust -----------------------------------------------------------------

@pytest.mark.parametrize("name, password", [
    ("rsa2048.key.pem", None),
    ("rsa2048.key.der", None),
    ("rsa2048.key.enc.pem", PASSWORD),
    ("rsa2048.key.enc.pem", PASSWORD.encode()),
    ("rsa2048.p12", PASSWORD),
    ("ec-p384.key.pem", None),
    ("ed25519.key.pem", None),
])
def test_key_loads(name, password):
    with istmo.Key.load(PKI / name, password) as key:
        assert not key.closed
    assert key.closed


@pytest.mark.parametrize("name, password, error, code", [
    ("rsa2048.key.enc.pem", None, istmo.BadPasswordError, -9),
    ("rsa2048.key.enc.pem", "wrong", istmo.BadPasswordError, -9),
    ("rsa2048.p12", None, istmo.BadPasswordError, -9),
    ("rsa2048.p12", "wrong", istmo.BadPasswordError, -9),
    ("rsa1024.key.pem", None, istmo.InvalidKeyError, -10),
    ("ec-secp256k1.key.pem", None, istmo.InvalidKeyError, -10),
    ("rsa2048.cert.pem", None, istmo.ParseError, -6),
    ("does-not-exist.pem", None, istmo.NotFoundError, -3),
])
def test_key_errors_carry_code_and_message(name, password, error, code):
    with pytest.raises(error) as caught:
        istmo.Key.load(PKI / name, password)
    assert isinstance(caught.value, istmo.Error)
    assert caught.value.code == code
    assert caught.value.message.startswith("istmo_key_load_file: ")
    assert str(caught.value) == caught.value.message
    # The Spanish twin (issue 12): translated, with the same function and path.
    assert caught.value.message_es.startswith("istmo_key_load_file: ")
    assert caught.value.message_es != caught.value.message
    assert name in caught.value.message_es


def test_error_message_in_spanish():
    with pytest.raises(istmo.BadPasswordError) as caught:
        istmo.Key.load(PKI / "rsa2048.p12", "wrong")
    assert "no se puede abrir el archivo PKCS#12: contraseña incorrecta" in caught.value.message_es, caught.value.message_es
    assert "cannot open the PKCS#12 file: wrong password" in caught.value.message


def test_cert_and_trust_errors():
    assert not istmo.Cert.load(PKI / "rsa2048.cert.der").closed
    with pytest.raises(istmo.NotFoundError):
        istmo.Cert.load(PKI / "missing.pem")
    with pytest.raises(istmo.ParseError):
        istmo.Cert.load(PKI / "rsa2048.key.pem")
    with pytest.raises(istmo.NotFoundError) as caught:
        istmo.Trust([PKI / "ca.cert.pem", PKI / "missing.pem"])
    assert caught.value.message.startswith("istmo_trust_add_file: ")


def test_every_error_class_is_an_istmo_error_with_a_distinct_code():
    classes = [getattr(istmo, name) for name in istmo.__all__ if name.endswith("Error")]
    codes = {cls.default_code for cls in classes if cls is not istmo.Error}
    assert len(codes) == len(classes) - 1 == 20  # ISTMO_E_INVALID_ARGUMENT (-1) .. ISTMO_E_PIN_LOCKED (-20)
    for cls in classes:
        assert issubclass(cls, istmo.Error)
    for code in codes:
        assert istmo._native.lib.istmo_strerror(code) != b"unknown error code"
        assert type(istmo.errors.error_for(code, "m")).default_code == code


# ---- signing and verification ----------------------------------------------------------------

def test_sign_and_verify_passes(signed, trust):
    assert b"<ds:Signature" in signed
    report = istmo.verify(signed, trust)
    assert report.indication == "TOTAL_PASSED"
    assert report.indication_code == 0
    assert report.passed
    assert report.sub_indication == ""
    # The test certificate publishes no CRL distribution point or OCSP URL: under the default
    # revocation policy ("auto") it is accepted on its validity alone, with one warning saying so.
    assert [(f["code"], f["severity"]) for f in report.findings] == [("DSIG-CERT-REVOCATION-NOT-CHECKED", "warning")]
    assert json.loads(report.json)["indication"] == "TOTAL_PASSED"
    assert report.data["signatures"][0]["signature_value_ok"] is True


def test_encrypted_and_pkcs12_keys_sign(cert, trust):
    for name in ("rsa2048.key.enc.pem", "rsa2048.p12"):
        signed = istmo.sign(DOCUMENT, istmo.Key.load(PKI / name, PASSWORD), cert)
        assert istmo.verify(signed, trust).indication == "TOTAL_PASSED"


def test_tampered_document_fails_with_findings(signed, trust):
    report = istmo.verify(signed.replace(b"100.00", b"900.00"), trust)
    assert report.indication == "TOTAL_FAILED"
    assert report.sub_indication == "HASH_FAILURE"
    assert "DSIG-REF-DIGEST-MISMATCH" in [f["code"] for f in report.findings]
    assert all({"code", "severity", "message", "location"} <= set(f) for f in report.findings)


def test_untrusted_signer_is_indeterminate(signed):
    report = istmo.verify(signed, istmo.Trust())
    assert report.indication == "INDETERMINATE"
    assert report.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"


def test_broken_documents_give_reports(trust):
    for xml, code in ((b"<a", "XML-NOT-WELL-FORMED"), (b"", "XML-NOT-WELL-FORMED"),
                      (b"<a/>", "DSIG-NO-SIGNATURE")):
        report = istmo.verify(xml, trust)
        assert (report.indication, report.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE")
        assert report.findings[0]["code"] == code


def test_sign_errors(key, cert):
    with pytest.raises(istmo.ParseError):
        istmo.sign(b"<Invoice>", key, cert)
    with pytest.raises(istmo.InvalidKeyError):
        istmo.sign(DOCUMENT, key, istmo.Cert.load(PKI / "ec-p256.cert.pem"))
    with pytest.raises(istmo.InvalidArgumentError) as caught:
        istmo.sign(DOCUMENT, key, cert, profile="no-such-profile")
    assert "unknown profile" in caught.value.message
    with pytest.raises(istmo.InvalidArgumentError):
        istmo.sign(DOCUMENT, None, cert)
    with pytest.raises(TypeError):
        istmo.sign(DOCUMENT.decode(), key, cert)
    with pytest.raises(TypeError):
        istmo.sign(DOCUMENT, cert, key)


def test_xades_baseline_profile(key, cert, trust):
    signed = istmo.sign(DOCUMENT, key, cert, profile="xades-b-b")
    assert b"QualifyingProperties" in signed
    report = istmo.verify(signed, trust)
    assert report.indication == "TOTAL_PASSED"
    assert '"level":"B-B"' in report.json


def test_panama_fe_profile(key, cert, trust):
    unsigned = istmo.invoice.from_json((FE / "json" / "01-factura.json").read_bytes())
    signed = istmo.sign(unsigned, key, cert, profile="panama-fe")
    assert b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"' in signed
    assert b"gNoFirm" not in signed  # no QR: the C API cannot pass its secret
    assert istmo.verify(signed, trust).indication == "TOTAL_PASSED"
    report = istmo.invoice.validate(signed, trust)
    errors = [f for f in report.findings if f["severity"] == "error"]
    assert [f["code"] for f in errors] == ["FE-XSD-MISSING"], report.json
    assert "gNoFirm" in errors[0]["location"] + errors[0]["message"]
    with pytest.raises(istmo.InvalidArgumentError):
        istmo.sign(unsigned, key, None, profile="panama-fe")
    with pytest.raises(istmo.InvalidArgumentError):  # RSA-SHA256 only
        istmo.sign(unsigned, istmo.Key.load(PKI / "ec-p256.key.pem"),
                   istmo.Cert.load(PKI / "ec-p256.cert.pem"), profile="panama-fe")


def test_sign_without_certificate_uses_key_value(key, trust):
    signed = istmo.sign(DOCUMENT, key)
    assert b"KeyValue" in signed
    assert istmo.verify(signed, trust).indication == "INDETERMINATE"


def test_verify_needs_a_trust_store(signed):
    with pytest.raises(istmo.InvalidArgumentError) as caught:
        istmo.verify(signed, None)
    assert caught.value.message == "istmo_verify: trust is NULL"


def test_closed_handles_are_invalid_objects(cert, trust):
    key = istmo.Key.load(PKI / "rsa2048.key.pem")
    key.close()
    key.close()  # idempotent
    with pytest.raises(istmo.InvalidObjectError):
        istmo.sign(DOCUMENT, key, cert)
    store = istmo.Trust()
    store.close()
    with pytest.raises(istmo.InvalidObjectError):
        store.add_file(PKI / "ca.cert.pem")


def test_shared_objects_from_many_threads(key, cert, trust):
    results = []

    def work():
        for _ in range(3):
            results.append(istmo.verify(istmo.sign(DOCUMENT, key, cert), trust).indication)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["TOTAL_PASSED"] * 12


# ---- e-invoices -------------------------------------------------------------------------------

def _dId(xml):
    return xml.split(b"<dId>")[1].split(b"</dId>")[0].decode()


@pytest.mark.parametrize("name", ["01-factura", "01-factura-completa", "04-nota-credito-fe"])
def test_invoice_valid_vectors_pass(name, trust):
    xml = (FE / "valid" / f"{name}.xml").read_bytes()
    report = istmo.invoice.validate(xml, trust)
    assert report.indication == "TOTAL_PASSED", report.json
    assert report.passed
    assert report.sub_indication == ""
    assert report.data["cufe"] == _dId(xml)
    assert [f for f in report.findings if f["severity"] == "error"] == []


@pytest.mark.parametrize("name, code", [
    ("x47-cufe-mismatch", "FE-CUFE-MISMATCH"),
    ("x50-receiver-dv", "FE-RUC-DV"),
    ("x54-dtotneto", "FE-CALC-TOTNETO"),
    ("x75-signed-content-changed", "FE-SIG-INVALID"),
    ("x81-not-well-formed", "FE-XML-MALFORMED"),
])
def test_invoice_invalid_vectors_report_their_code(name, code, trust):
    report = istmo.invoice.validate((FE / "invalid" / f"{name}.xml").read_bytes(), trust)
    assert report.indication == "TOTAL_FAILED"
    assert code in [f["code"] for f in report.findings], report.json


def test_invoice_sha1_needs_legacy(trust):
    # SHA-1: refused by default (INDETERMINATE, the finding names the switch), accepted with a
    # warning when legacy=True (the DGI accepts it in production).
    xml = (FE / "extra" / "legacy" / "01-factura-sha1.xml").read_bytes()
    strict = istmo.invoice.validate(xml, trust)
    assert strict.indication == "INDETERMINATE", strict.json
    assert strict.sub_indication == "CRYPTO_CONSTRAINTS_FAILURE"
    assert "FE-SIG-LEGACY-REFUSED" in [f["code"] for f in strict.findings]
    legacy = istmo.invoice.validate(xml, trust, legacy=True)
    assert legacy.indication == "TOTAL_PASSED", legacy.json
    assert "FE-SIG-LEGACY" in [f["code"] for f in legacy.findings]


def test_invoice_in_a_soap_envelope(trust):
    xml = (FE / "extra" / "wrapped" / "01-factura-soap12-rEnviFeDGI.xml").read_bytes()
    report = istmo.invoice.validate(xml, trust)
    assert report.indication == "TOTAL_PASSED", report.json
    assert report.data["wrapper"] == "soap12/rEnviFeDGI"


def test_invoice_untrusted_signer_does_not_pass():
    report = istmo.invoice.validate((FE / "valid" / "01-factura.xml").read_bytes(), istmo.Trust())
    assert report.indication != "TOTAL_PASSED"


def test_invoice_from_json(trust):
    xml = istmo.invoice.from_json((FE / "json" / "01-factura.json").read_bytes())
    assert xml.startswith(b"<?xml") or b"<rFE" in xml[:200]
    assert _dId(xml) == _dId((FE / "valid" / "01-factura.xml").read_bytes())
    assert istmo.invoice.cufe(xml) == _dId(xml)
    # Unsigned, otherwise structurally valid: only the signature and QR are missing.
    report = istmo.invoice.validate(xml, trust)
    codes = {f["code"] for f in report.findings if f["severity"] == "error"}
    assert codes == {"FE-XSD-MISSING"}, report.json


def test_invoice_sign_adds_the_qr(key, cert, trust):
    # The signed vector was made from the same JSON with the same key and QR secret
    # (test-vectors/panama-fe/README.md): RSA PKCS#1 v1.5 is deterministic, so equal bytes.
    xml = istmo.invoice.from_json((FE / "json" / "01-factura.json").read_bytes())
    signed = istmo.invoice.sign(xml, key, cert, b"istmo-test-qr-secret")
    assert signed == (FE / "valid" / "01-factura.xml").read_bytes()
    assert signed.index(b"<gNoFirm><dQRCode>") > signed.index(b"</Signature>")
    assert istmo.invoice.validate(signed, trust).indication == "TOTAL_PASSED"
    # Another secret gives another QR (and the secret never shows in an error message).
    other = istmo.invoice.sign(xml, key, cert, b"another-secret", "https://example.test/qr")
    assert b"https://example.test/qr?chFE=" in other and other != signed
    with pytest.raises(istmo.InvalidArgumentError) as caught:
        istmo.invoice.sign(xml, key, cert, b"")
    assert "qr_secret" in caught.value.message
    with pytest.raises(TypeError):
        istmo.invoice.sign(xml, key, cert, "text-secret")


def test_invoice_from_json_errors():
    with pytest.raises(istmo.ParseError) as caught:
        istmo.invoice.from_json(b"{")
    assert caught.value.message.startswith("istmo_invoice_from_json: ")
    with pytest.raises(istmo.InvalidArgumentError) as caught:
        istmo.invoice.from_json(b'{"dVerForm": "1.00", "noSuchField": "x"}')
    assert "noSuchField" in caught.value.message
    with pytest.raises(TypeError):
        istmo.invoice.from_json("{}")


@pytest.mark.parametrize("name", ["01-factura", "03-exportacion", "09-reembolso-gobierno"])
def test_invoice_cufe_is_the_dId(name):
    xml = (FE / "valid" / f"{name}.xml").read_bytes()
    cufe = istmo.invoice.cufe(xml)
    assert len(cufe) == 66
    assert cufe == _dId(xml)


def test_invoice_cufe_errors():
    with pytest.raises(istmo.ParseError):
        istmo.invoice.cufe(b"<rFE")
    with pytest.raises(istmo.InvalidArgumentError):
        istmo.invoice.cufe(b"<a/>")
    with pytest.raises(istmo.InvalidArgumentError):
        istmo.invoice.cufe(b'<rFE xmlns="http://dgi-fep.mef.gob.pa"><dVerForm>1.00</dVerForm></rFE>')
    mismatch = (FE / "invalid" / "x47-cufe-mismatch.xml").read_bytes()
    assert istmo.invoice.cufe(mismatch) != _dId(mismatch)


def test_invoice_validate_needs_a_trust_store():
    with pytest.raises(istmo.InvalidArgumentError) as caught:
        istmo.invoice.validate(b"<rFE/>", None)
    assert caught.value.message == "istmo_invoice_validate: trust is NULL"


# ---- timestamps ---------------------------------------------------------------------------------

def _closed_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_timestamp_unreachable_tsa_is_unavailable(trust):
    url = f"http://127.0.0.1:{_closed_port()}/tsa"
    start = time.monotonic()
    with pytest.raises(istmo.UnavailableError) as caught:
        istmo.timestamp(b"data", url, trust)
    assert time.monotonic() - start < 10
    assert caught.value.code == -13
    assert caught.value.message.startswith("istmo_timestamp_request: unavailable")


def test_timestamp_errors(trust):
    with pytest.raises(istmo.InvalidArgumentError):
        istmo.timestamp(b"data", "ftp://127.0.0.1/tsa", trust)
    with pytest.raises(istmo.InvalidArgumentError) as caught:
        istmo.timestamp(b"data", "http://127.0.0.1:9/tsa", None)
    assert caught.value.message == "istmo_timestamp_request: tsa_trust is NULL"
    with pytest.raises(TypeError):
        istmo.timestamp("text", "http://127.0.0.1:9/tsa", trust)


# ---- round trips against the CLI ---------------------------------------------------------------

def _cli():
    if not CLI:
        pytest.skip("ISTMO_CLI not set (the istmo CLI is not built: ISTMO_BUILD_EXAMPLES=OFF)")
    assert Path(CLI).is_file(), f"ISTMO_CLI={CLI} does not exist"
    return CLI


def _without_time(report):
    data = dict(report)
    data.pop("validation_time")
    return data


@pytest.mark.parametrize("case", ["valid", "tampered", "untrusted", "not-xml"])
def test_verify_matches_the_cli(case, signed, trust, tmp_path):
    cli = _cli()
    document = {"valid": signed, "tampered": signed.replace(b"100.00", b"900.00"),
                "untrusted": signed, "not-xml": b"<a"}[case]
    anchors = [] if case == "untrusted" else [PKI / "ca.cert.pem", PKI / "intermediate.cert.pem"]
    path = tmp_path / "doc.xml"
    path.write_bytes(document)
    args = [cli, "verify", "--json"]
    for anchor in anchors:
        args += ["--trust", str(anchor)]
    done = subprocess.run(args + [str(path)], capture_output=True, check=False)
    from_cli = json.loads(done.stdout)
    report = istmo.verify(document, istmo.Trust(anchors))
    assert _without_time(report.data) == _without_time(from_cli)
    expected_exit = {"TOTAL_PASSED": 0, "TOTAL_FAILED": 1, "INDETERMINATE": 2}[report.indication]
    if case == "not-xml":
        expected_exit = 65  # the CLI's exit code for input that is not well-formed
    assert done.returncode == expected_exit, done.stderr


def test_cli_signature_verifies_in_python_and_back(key, cert, trust, tmp_path):
    cli = _cli()
    source = tmp_path / "in.xml"
    source.write_bytes(DOCUMENT)
    by_cli = tmp_path / "by-cli.xml"
    subprocess.run([cli, "sign", "--key", str(PKI / "rsa2048.key.pem"), "--cert",
                    str(PKI / "rsa2048.cert.pem"), "-o", str(by_cli), str(source)], check=True)
    assert istmo.verify(by_cli.read_bytes(), trust).indication == "TOTAL_PASSED"
    by_python = tmp_path / "by-python.xml"
    by_python.write_bytes(istmo.sign(DOCUMENT, key, cert))
    done = subprocess.run([cli, "verify", "--trust", str(PKI / "ca.cert.pem"), "--trust",
                           str(PKI / "intermediate.cert.pem"), str(by_python)],
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", ["valid/01-factura", "invalid/x47-cufe-mismatch", "invalid/x75-signed-content-changed"])
def test_invoice_validate_matches_the_cli(name, trust):
    cli = _cli()
    path = FE / f"{name}.xml"
    done = subprocess.run([cli, "invoice", "validate", "--json", "--trust", str(PKI / "ca.cert.pem"),
                           "--trust", str(PKI / "intermediate.cert.pem"), str(path)],
                          capture_output=True, check=False)
    # One JSON object per input and line: {"file": ..., "report": {...}} (docs/cli.md).
    line = json.loads(done.stdout)
    assert line["file"] == str(path)
    from_cli = line["report"]
    report = istmo.invoice.validate(path.read_bytes(), trust)
    assert report.indication == from_cli["indication"]
    # JSON writes null for "no sub-indication"; the Python attribute keeps the C API's "".
    assert report.sub_indication == (from_cli["sub_indication"] or "")
    assert report.data["sub_indication"] == from_cli["sub_indication"]
    assert report.findings == from_cli["findings"]
    assert report.data["cufe_computed"] == from_cli["cufe_computed"]
    assert done.returncode == {"TOTAL_PASSED": 0, "TOTAL_FAILED": 1, "INDETERMINATE": 2}[report.indication]
    cufe = subprocess.run([cli, "invoice", "cufe", str(path)], capture_output=True, check=True)
    assert cufe.stdout.decode().strip() == istmo.invoice.cufe(path.read_bytes())


def test_two_step_sign_with_openssl_outside(tmp_path):
    # prepare without the key, the digest signed by the openssl CLI, complete; a wrong value refused
    import base64
    import shutil
    import subprocess
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed")
    state, request = istmo.sign_prepare(b"<doc><a>1</a></doc>", istmo.Cert.load(PKI / "rsa2048.cert.pem"))
    assert request["digest_algorithm"] == "http://www.w3.org/2001/04/xmlenc#sha256"
    (tmp_path / "d.bin").write_bytes(base64.b64decode(request["digest"]))
    subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", str(PKI / "rsa2048.key.pem"), "-in", str(tmp_path / "d.bin"),
                    "-out", str(tmp_path / "v.bin"), "-pkeyopt", "digest:sha256"], check=True)
    signed = istmo.sign_complete(state, (tmp_path / "v.bin").read_bytes())
    trust = istmo.Trust([PKI / "chain.pem"])
    assert istmo.verify(signed, trust).indication == "TOTAL_PASSED"
    with pytest.raises(istmo.InvalidArgumentError):
        istmo.sign_complete(state, b"\0" * 256)


def test_pkcs11_module_that_does_not_load():
    with pytest.raises(istmo.ModuleError) as caught:
        istmo.Key.pkcs11("pkcs11:object=x", pin="1234", module="/nonexistent/libnothing.so")
    assert caught.value.code == -18


# ---- long-term signatures (istmo_extend) ------------------------------------------------------

def test_extend_errors(key, cert, trust):
    if not hasattr(istmo._native.lib, "istmo_extend"):
        pytest.skip("the loaded libistmo-c has no istmo_extend (older than 0.2)")
    xades = istmo.sign(DOCUMENT, key, cert, profile="xades-b-b")
    with pytest.raises(istmo.InvalidArgumentError) as caught:
        istmo.extend(xades, "b-x", "http://127.0.0.1:9/tsa", trust)
    assert "unknown level" in caught.value.message
    plain = istmo.sign(DOCUMENT, key, cert)
    with pytest.raises(istmo.InvalidArgumentError) as caught:
        istmo.extend(plain, "b-t", "http://127.0.0.1:9/tsa", trust)
    assert "no XAdES signature" in caught.value.message
    url = f"http://127.0.0.1:{_closed_port()}/tsa"
    with pytest.raises(istmo.UnavailableError):
        istmo.extend(xades, "b-t", url, trust)
    with pytest.raises(TypeError):
        istmo.extend(xades, "b-t", url, "not a trust")
