"""istmo.dgi (send, query, Client) against the shipped DGI simulator: `istmo dgi simulate` started as its
own process on a free loopback port (port 0, read from its stderr), HTTPS with the test PKI's
rsa2048 as TLS client certificate, stopped with SIGTERM at the end (the fixture waits for it).
Without the CLI (ISTMO_CLI) or the openssl CLI the tests are skipped (pytest -rs lists them)."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

import istmo

ROOT = Path(__file__).resolve().parents[3]
PKI = ROOT / "test-vectors" / "pki"
VECTORS = ROOT / "test-vectors" / "panama-fe"
PASSWORD = (PKI / "password.txt").read_text().strip()
CLI = os.environ.get("ISTMO_CLI", "")


@pytest.fixture(scope="module")
def simulator():
    if not CLI:
        pytest.skip("ISTMO_CLI not set (the istmo CLI is not built): the DGI simulator did not run")
    if not shutil.which("openssl"):
        pytest.skip("the openssl CLI is not installed: no server certificate for the DGI simulator")
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(work / "server.key"),
                        "-out", str(work / "server.pem")], check=True, capture_output=True)
        log_path = work / "simulate.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen([CLI, "dgi", "simulate", "--listen", "127.0.0.1:0",
                                        "--tls-cert", str(work / "server.pem"), "--tls-key", str(work / "server.key"),
                                        "--client-ca", str(PKI / "chain.pem"), "--trust", str(PKI / "chain.pem"),
                                        "--lang", "en"], stderr=log, stdout=subprocess.DEVNULL)
        try:
            port = None
            for _ in range(1200):  # a loaded machine: up to a minute
                found = re.search(r"listening on port (\d+)", log_path.read_text())
                if found:
                    port = int(found.group(1))
                    break
                if process.poll() is not None:
                    break
                time.sleep(0.05)
            assert port, "istmo dgi simulate did not start: " + log_path.read_text()
            yield {"endpoint": f"https://127.0.0.1:{port}", "cacert": str(work / "server.pem"), "log": log_path}
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                assert process.wait(timeout=60) == 0
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise


def connection(sim, **more):
    settings = {"endpoint": sim["endpoint"], "cacert": sim["cacert"], "client_p12": PKI / "rsa2048.p12",
                "password": PASSWORD, "timeout": 60}
    settings.update(more)
    return settings


def test_send_authorises_and_query_returns_the_container(simulator):
    rfe = (VECTORS / "valid" / "01-factura.xml").read_bytes()
    answer = istmo.dgi.send(rfe, environment="test", **connection(simulator))
    assert answer.outcome == "authorised", answer
    assert len(answer.protocol) == 20 and answer.protocol.isdigit()
    assert [code for code, _ in answer.codes] == ["0260"]
    assert answer.json["outcome"] == "authorised"
    cufe = re.search(rb"<dId>(FE[^<]{64})</dId>", rfe).group(1).decode()
    found = istmo.dgi.query(cufe, environment="test", **connection(simulator, soap="1.1"))
    assert found.outcome == "found"
    assert found.protocol == answer.protocol
    assert b"<rContFe" in found.container
    assert "SIMULATOR/SIMULADOR" in simulator["log"].read_text()


def test_rejection_is_an_answer_with_codes(simulator):
    changed = (VECTORS / "invalid" / "x75-signed-content-changed.xml").read_bytes()
    answer = istmo.dgi.send(changed, environment="test", **connection(simulator))
    assert answer.outcome == "rejected"
    assert answer.protocol == ""
    assert "9004" in [code for code, _ in answer.codes]


def test_errors(simulator):
    with pytest.raises(ValueError):
        istmo.dgi.send(b"<x/>", environment="staging")
    with pytest.raises(TypeError):
        istmo.dgi.query("FE01", environment="test", colour="blue")
    with pytest.raises(istmo.InvalidArgumentError) as bad:
        istmo.dgi.query("FE01", environment="test", timeout=0)
    assert bad.value.message_es and "necesita un número entero" in bad.value.message_es
    with pytest.raises(istmo.InvalidArgumentError):
        istmo.dgi.query("FE01", environment="test", **connection(simulator))
    with pytest.raises(istmo.ParseError):
        istmo.dgi.send(b"not xml", environment="test", **connection(simulator))
    # No client certificate: the simulator refuses the handshake.
    settings = connection(simulator, resends=0)
    del settings["client_p12"], settings["password"]
    rfe = (VECTORS / "valid" / "02-importacion.xml").read_bytes()
    cufe = re.search(rb"<dId>(FE[^<]{64})</dId>", rfe).group(1).decode()
    with pytest.raises(istmo.UnavailableError):
        istmo.dgi.query(cufe, environment="test", **settings)


def test_one_client_for_many_calls_and_threads(simulator):
    rfe = (VECTORS / "valid" / "03-exportacion.xml").read_bytes()
    cufe = re.search(rb"<dId>(FE[^<]{64})</dId>", rfe).group(1).decode()
    with istmo.dgi.Client(environment="test", **connection(simulator)) as client:
        sent = client.send(rfe)
        assert sent.outcome == "authorised", sent
        expected = istmo.dgi.query(cufe, environment="test", **connection(simulator))  # a client per call
        assert expected.outcome == "found"
        results = []

        def queries():
            results.extend(client.query(cufe) for _ in range(3))

        threads = [threading.Thread(target=queries) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 12
        assert {(found.outcome, found.protocol, found.container) for found in results} == \
            {(expected.outcome, expected.protocol, expected.container)}
        with pytest.raises(istmo.ParseError):
            client.send(b"not xml")
    assert client.closed
    with pytest.raises(istmo.InvalidObjectError):
        client.query(cufe)


def test_client_errors(simulator):
    with pytest.raises(ValueError):
        istmo.dgi.Client(environment="staging")
    with pytest.raises(TypeError):
        istmo.dgi.Client(environment="test", colour="blue")
    # The client certificate is read when the Client is made.
    with pytest.raises(istmo.InvalidArgumentError, match="wrong password"):
        istmo.dgi.Client(environment="test", **connection(simulator, password="not-the-password"))
