"""The validation options of istmo.verify and istmo.invoice.validate (keyword arguments and
istmo.VerifyOptions): each one changes a real verdict, as the CLI option of the same name does.

The certificate-status tests start the loopback CRL/OCSP server of tests/servers (python3 and
the openssl CLI); without openssl they are skipped (pytest reports them as skipped, ctest's
python.pytest then still passes only on the tests that ran: -rs lists the skips)."""

import datetime
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

import istmo
import istmo.invoice

ROOT = Path(__file__).resolve().parents[3]
PKI = ROOT / "test-vectors" / "pki"
FE = ROOT / "test-vectors" / "panama-fe"
SERVERS = ROOT / "tests" / "servers"
DOCUMENT = b'<Invoice xmlns="urn:example:invoice"><Total>100.00</Total></Invoice>'
CHAIN = [PKI / "chain.pem"]


def sign(key_file, cert_file, document=DOCUMENT):
    return istmo.sign(document, istmo.Key.load(key_file), istmo.Cert.load(cert_file))


def codes(report):
    return {f["code"] for f in report.findings}


# ---- validation time, trust, intermediates, legacy ---------------------------------------------

def test_at_changes_the_verdict_in_every_accepted_form():
    expired = sign(PKI / "expired.key.pem", PKI / "expired.cert.pem")  # valid 2020-01-01..2021-01-01
    assert istmo.verify(expired, trust_files=CHAIN).indication != "TOTAL_PASSED"
    for at in ("2020-06-01T00:00:00Z", 1590969600,
               datetime.datetime(2020, 6, 1, tzinfo=datetime.timezone.utc),
               "2020-06-01T05:00:00+05:00"):
        report = istmo.verify(expired, trust_files=CHAIN, at=at)
        assert report.indication == "TOTAL_PASSED", (at, report.findings)
    current = sign(PKI / "rsa2048.key.pem", PKI / "rsa2048.cert.pem")  # valid until 2045
    assert istmo.verify(current, trust_files=CHAIN).passed
    assert not istmo.verify(current, trust_files=CHAIN, at="2047-01-01T00:00:00Z").passed
    with pytest.raises(ValueError):
        istmo.verify(current, trust_files=CHAIN, at="yesterday")
    with pytest.raises(ValueError):
        istmo.verify(current, trust_files=CHAIN, at=datetime.datetime(2020, 6, 1))  # no time zone
    with pytest.raises(istmo.InvalidArgumentError):
        istmo.verify(current, trust_files=CHAIN, at=10**13)


def test_trust_dirs_and_untrusted_intermediates(tmp_path):
    signed = sign(PKI / "rsa2048.key.pem", PKI / "rsa2048.cert.pem")  # carries the leaf only
    shutil.copy(PKI / "ca.cert.pem", tmp_path / "root.pem")
    no_path = istmo.verify(signed, trust_dirs=[tmp_path])
    assert no_path.indication == "INDETERMINATE"
    assert no_path.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert istmo.verify(signed, trust_dirs=[tmp_path], untrusted=[PKI / "intermediate.cert.pem"]).passed
    # untrusted certificates never become anchors
    assert istmo.verify(signed, untrusted=CHAIN).indication == "INDETERMINATE"
    # a Trust store and the keyword anchors are used together
    trust = istmo.Trust([PKI / "ca.cert.pem"])
    assert istmo.verify(signed, trust, untrusted=[PKI / "intermediate.cert.pem"]).passed
    with pytest.raises(istmo.NotFoundError):
        istmo.verify(signed, trust_dirs=[tmp_path / "missing"])
    with pytest.raises(TypeError):
        istmo.verify(signed, trust_dirs=str(tmp_path))  # one path, not a list


def test_legacy_accepts_sha1_in_invoices():
    invoice = (FE / "extra" / "legacy" / "01-factura-sha1.xml").read_bytes()
    strict = istmo.invoice.validate(invoice, trust_files=CHAIN)
    assert strict.indication == "INDETERMINATE"
    assert strict.sub_indication == "CRYPTO_CONSTRAINTS_FAILURE"
    assert "FE-SIG-LEGACY-REFUSED" in codes(strict)
    legacy = istmo.invoice.validate(invoice, trust_files=CHAIN, legacy=True)
    assert legacy.passed, legacy.findings
    assert "FE-SIG-LEGACY" in codes(legacy)
    # the 0.1 form (positional trust, legacy flag) still gives the same verdicts
    trust = istmo.Trust(CHAIN)
    assert istmo.invoice.validate(invoice, trust, True).passed
    assert istmo.invoice.validate(invoice, trust).indication == "INDETERMINATE"


def test_invoice_untrusted_and_at():
    invoice = (FE / "valid" / "01-factura.xml").read_bytes()
    root_only = [PKI / "ca.cert.pem"]
    assert istmo.invoice.validate(invoice, trust_files=root_only).indication == "INDETERMINATE"
    intermediate = [PKI / "intermediate.cert.pem"]
    assert istmo.invoice.validate(invoice, trust_files=root_only, untrusted=intermediate).passed
    assert not istmo.invoice.validate(invoice, trust_files=root_only, untrusted=intermediate,
                                      at="2047-01-01T00:00:00Z").passed


def test_options_object_is_reusable_and_exclusive_with_keywords():
    signed = sign(PKI / "rsa2048.key.pem", PKI / "rsa2048.cert.pem")
    with istmo.VerifyOptions(trust_files=CHAIN, revocation="off") as options:
        for _ in range(3):
            report = istmo.verify(signed, options=options)
            assert report.passed
            assert "DSIG-CERT-REVOCATION-OFF" in codes(report)
        with pytest.raises(TypeError):
            istmo.verify(signed, options=options, legacy=True)
    with pytest.raises(istmo.InvalidObjectError):
        istmo.verify(signed, options=options)  # closed
    with pytest.raises(istmo.InvalidArgumentError):
        istmo.VerifyOptions(revocation="sometimes")
    with pytest.raises(istmo.NotFoundError):
        istmo.VerifyOptions(crls=[PKI / "missing.crl"])
    with pytest.raises(istmo.ParseError):
        istmo.VerifyOptions(crls=[PKI / "ca.cert.pem"])


def test_revocation_policy_on_certificates_without_urls():
    signed = sign(PKI / "rsa2048.key.pem", PKI / "rsa2048.cert.pem")  # publishes no CRL/OCSP URL
    auto = istmo.verify(signed, trust_files=CHAIN)
    assert auto.passed and "DSIG-CERT-REVOCATION-NOT-CHECKED" in codes(auto)
    required = istmo.verify(signed, trust_files=CHAIN, revocation="require")
    assert required.indication == "INDETERMINATE"
    assert required.sub_indication == "TRY_LATER"
    off = istmo.verify(signed, trust_files=CHAIN, revocation="off")
    assert off.passed and "DSIG-CERT-REVOCATION-OFF" in codes(off)


# ---- certificate status with a loopback CRL / OCSP server -------------------------------------

class Server:
    """tests/servers/revocation_server.py on a free loopback port, with its PKI."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.process = subprocess.Popen([sys.executable, str(SERVERS / "revocation_server.py"), "--dir",
                                         str(directory)], stdout=subprocess.PIPE, text=True)
        try:
            self.port = int(self.process.stdout.readline())
            subprocess.run(["bash", str(SERVERS / "make_revocation_pki.sh"), str(directory), str(self.port)],
                           check=True, capture_output=True, timeout=300)
        except BaseException:
            self.stop()
            raise

    def file(self, name: str) -> Path:
        return self.dir / name

    def count(self) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_count", timeout=30) as answer:
            return int(answer.read().decode().strip())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl CLI is not installed: the loopback CRL/OCSP server did not run")
    running = Server(tmp_path_factory.mktemp("revocation"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def signed_by(server):
    return {stem: sign(server.file(f"{stem}.key.pem"), server.file(f"{stem}.cert.pem")) for stem in ("good", "revoked")}


def path_options(server, **more):
    return dict(trust_files=[server.file("root.cert.pem")], untrusted=[server.file("ca.cert.pem")], **more)


def test_offline_uses_only_the_crls_given(server, signed_by):
    before = server.count()
    nothing = istmo.verify(signed_by["good"], **path_options(server, offline=True))
    assert (nothing.indication, nothing.sub_indication) == ("INDETERMINATE", "TRY_LATER")
    crls = [server.file("ca.crl"), server.file("root.crl.pem")]
    good = istmo.verify(signed_by["good"], **path_options(server, offline=True, crls=crls))
    assert good.passed, good.findings
    assert good.data["signatures"][0]["chain"][0]["revocation"]["source"] == "crl"
    revoked = istmo.verify(signed_by["revoked"], **path_options(server, offline=True, crls=crls))
    assert (revoked.indication, revoked.sub_indication) == ("INDETERMINATE", "REVOKED_NO_POE")
    assert revoked.data["signatures"][0]["chain"][0]["revocation"]["reason"] == "keyCompromise"
    assert server.count() == before, "offline fetched something"


def test_offline_uses_the_ocsp_responses_given(server, signed_by, tmp_path):
    response = tmp_path / "good.ocsp"
    subprocess.run(["openssl", "ocsp", "-issuer", str(server.file("ca.cert.pem")), "-cert",
                    str(server.file("good.cert.pem")), "-url", f"http://127.0.0.1:{server.port}/ocsp/ca",
                    "-no_nonce", "-noverify", "-respout", str(response)], check=True, capture_output=True, timeout=60)
    before = server.count()
    report = istmo.verify(signed_by["good"], **path_options(server, offline=True, ocsp_responses=[response],
                                                             crls=[server.file("root.crl")]))
    assert report.passed, report.findings
    assert report.data["signatures"][0]["chain"][0]["revocation"]["source"] == "ocsp"
    assert server.count() == before


def test_online_fetch_and_the_revocation_cache(server, signed_by, tmp_path):
    cache = tmp_path / "cache"
    first = istmo.VerifyOptions(**path_options(server, revocation_cache=cache))
    assert istmo.verify(signed_by["good"], options=first).passed
    assert istmo.verify(signed_by["revoked"], options=first).sub_indication == "REVOKED_NO_POE"
    first.close()
    fetched = server.count()
    assert any(cache.iterdir())
    # A new object with the same directory reads what was fetched from it.
    assert istmo.verify(signed_by["good"], **path_options(server, revocation_cache=cache)).passed
    assert server.count() == fetched, "the revocation cache directory was not used"
    # revocation="require" with every source switched off: not passed.
    required = istmo.verify(signed_by["good"], **path_options(server, revocation="require", offline=True))
    assert required.sub_indication == "TRY_LATER"


def test_pyproject_version_is_the_library_version():
    """bindings/python/pyproject.toml carries the project version (the library's)."""
    text = (ROOT / "bindings" / "python" / "pyproject.toml").read_text()
    declared = next(line.split('"')[1] for line in text.splitlines() if line.startswith("version = "))
    assert declared == istmo.version()
    assert (ROOT / "bindings" / "python" / "istmo" / "py.typed").exists()


def test_no_options_keeps_the_0_1_behaviour():
    signed = sign(PKI / "rsa2048.key.pem", PKI / "rsa2048.cert.pem")
    with pytest.raises(istmo.InvalidArgumentError):
        istmo.verify(signed)  # nothing to trust given at all: an error, as before
    # options alone are enough (no Trust store)
    assert istmo.verify(signed, options=istmo.VerifyOptions(trust_files=CHAIN)).passed
