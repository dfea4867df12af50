#!/usr/bin/env python3
"""Loopback CRL + OCSP server for certificate-status tests (Python 3 stdlib + the openssl CLI).

    revocation_server.py --dir DIR [--port PORT]

Binds 127.0.0.1 on a free port (or PORT) and prints the port as the first line on stdout. Files in DIR
are read per request, so DIR may be filled (tests/servers/make_revocation_pki.sh DIR PORT)
after the server started.

  GET  /<file>              a file of DIR (CRLs, certificates), 404 when absent
  GET  /ocsp/<name>/<req>   the same for a GET request (RFC 6960 A.1: <req> is the URL-encoded
                            base64 of the DER OCSPRequest)
  POST /ocsp/<name>         an OCSP response from `openssl ocsp -index DIR/ocsp/<name>/index.txt
                            -CA DIR/ocsp/<name>/issuer.cert.pem -rsigner/-rkey
                            DIR/ocsp/<name>/signer.{cert,key}.pem -reqin REQ -respout RESP
                            -ndays 1`, run per request (a request nonce is echoed)
  GET  /_count[?path=P]     how many requests path P got (all requests without ?path);
       /_count?prefix=P     how many requests the paths starting with P got
  POST /_mode[?path=P]      body: a MODE for every later request to P (or to every path
                            without ?path); "ok" clears it
  POST /_reset              clears every mode and count
  GET  /_health             "ok"

A fault MODE applies to one request when its path starts with /_fault/<MODE>/ (the rest is the
path served), else the mode set for its path, else the mode set for every path:
  ok                normal answer
  down              the connection is closed without an answer
  slow=N            sleep N seconds (default 5), then the normal answer
  http500           HTTP 500
  garbage           HTTP 200 with bytes that are not DER
  oversized=N       HTTP 200 with a body of N bytes (default 8 MiB)
  file=NAME         HTTP 200 with the file DIR/NAME as the body
  stale             OCSP: thisUpdate 3 days ago, nextUpdate 2 days ago (needs faketime; 501
                    without it)
  signer=STEM       OCSP: signed with DIR/STEM.cert.pem + DIR/STEM.key.pem
  wrongkey          OCSP: signer=rogue-responder (an OCSPSigning certificate of another CA)
  wrongid           OCSP: the answer is for another serial (the request's serial with its last
                    bit flipped)
  nonce-mismatch    OCSP: the echoed nonce differs from the request's (400 without a nonce)
  nmin=N, ndays=N   OCSP: nextUpdate N minutes / days after thisUpdate
  no-next-update    OCSP: no nextUpdate
Requests are counted under their path as sent (with any /_fault/ prefix), before the mode acts.
SIGTERM or SIGINT: stops listening and exits 0.
"""
import argparse
import base64
import http.server
import os
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

OCSP_NONCE_OID = bytes.fromhex("2b0601050507300102")  # 1.3.6.1.5.5.7.48.1.2
MALFORMED_REQUEST = bytes.fromhex("30030a0101")  # OCSPResponse { responseStatus malformedRequest }
MAX_REQUEST = 64 * 1024
OCSP_ONLY = ("stale", "signer", "wrongkey", "wrongid", "nonce-mismatch", "nmin", "ndays", "no-next-update")


class State:
    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        self.lock = threading.Lock()
        self.modes = {}   # path or "*" -> mode
        self.counts = {}  # path -> requests

    def count(self, path):
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1

    def mode_for(self, path):
        with self.lock:
            return self.modes.get(path, self.modes.get("*", "ok"))


# ---- DER surgery on an OCSPRequest (RFC 6960 §4.1.1) -------------------------------------

def tlv(buf, pos):
    """(tag, content start, content end) of the TLV at pos (definite lengths only)."""
    tag = buf[pos]
    length = buf[pos + 1]
    start = pos + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise ValueError("unsupported length")
        length = int.from_bytes(buf[start:start + count], "big")
        start += count
    if start + length > len(buf):
        raise ValueError("truncated")
    return tag, start, start + length


def children(buf, start, end):
    pos = start
    while pos < end:
        tag, c_start, c_end = tlv(buf, pos)
        yield tag, pos, c_start, c_end
        pos = c_end


def tbs_request(buf):
    _, start, end = tlv(buf, 0)
    tag, _, t_start, t_end = next(children(buf, start, end))
    if tag != 0x30:
        raise ValueError("no TBSRequest")
    return t_start, t_end


def flip_serial(request):
    """The request with the last bit of its first CertID's serialNumber flipped."""
    buf = bytearray(request)
    t_start, t_end = tbs_request(buf)
    for tag, _, start, end in children(buf, t_start, t_end):
        if tag == 0x30:  # requestList
            _, _, r_start, r_end = next(children(buf, start, end))           # Request
            _, _, c_start, c_end = next(children(buf, r_start, r_end))       # CertID
            fields = list(children(buf, c_start, c_end))
            if len(fields) != 4 or fields[3][0] != 0x02:
                raise ValueError("unexpected CertID")
            buf[fields[3][3] - 1] ^= 0x01
            return bytes(buf)
    raise ValueError("no requestList")


def flip_nonce(request):
    """The request with the last byte of its nonce changed; None when it has no nonce."""
    buf = bytearray(request)
    t_start, t_end = tbs_request(buf)
    for tag, _, start, end in children(buf, t_start, t_end):
        if tag != 0xA2:  # [2] requestExtensions
            continue
        _, e_start, e_end = tlv(buf, start)
        for _, _, x_start, x_end in children(buf, e_start, e_end):
            fields = list(children(buf, x_start, x_end))
            if fields and fields[0][0] == 0x06 and bytes(buf[fields[0][2]:fields[0][3]]) == OCSP_NONCE_OID:
                value = fields[-1]
                if value[3] > value[2]:
                    buf[value[3] - 1] ^= 0xFF
                    return bytes(buf)
    return None


# ---- the handler ------------------------------------------------------------------------

def content_type_of(name):
    if name.endswith(".crl"):
        return "application/pkix-crl"
    if name.endswith(".pem"):
        return "application/x-pem-file"
    if name.endswith((".cer", ".crt", ".der")):
        return "application/pkix-cert"
    return "application/octet-stream"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "istmo-revocation-test"
    state = None  # set by main

    def log_message(self, fmt, *args):  # quiet unless asked
        if os.environ.get("REVOCATION_SERVER_LOG"):
            sys.stderr.write("revocation_server: " + (fmt % args) + "\n")

    # -- plumbing
    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def answer(self, status, body, content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        body = self.read_body() if method == "POST" else b""
        if body is None:
            return self.answer(413, b"request too large")
        if path.startswith("/_") and not path.startswith("/_fault/"):
            return self.control(method, path, urllib.parse.parse_qs(url.query), body)
        self.state.count(path)
        mode = self.state.mode_for(path)
        if path.startswith("/_fault/"):
            rest = path[len("/_fault/"):]
            mode, _, tail = rest.partition("/")
            path = "/" + tail
        self.serve(method, path, body, urllib.parse.unquote(mode))

    def control(self, method, path, query, body):
        state = self.state
        target = query.get("path", ["*"])[0]
        if path == "/_health":
            return self.answer(200, b"ok")
        if path == "/_count" and method == "GET":
            prefix = query.get("prefix", [None])[0]
            with state.lock:
                if prefix is not None:
                    n = sum(v for k, v in state.counts.items() if k.startswith(prefix))
                else:
                    n = state.counts.get(target, 0) if target != "*" else sum(state.counts.values())
            return self.answer(200, str(n).encode())
        if path == "/_mode" and method == "POST":
            mode = body.decode("utf-8", "replace").strip() or "ok"
            with state.lock:
                if mode == "ok":
                    state.modes.pop(target, None)
                else:
                    state.modes[target] = mode
            return self.answer(200, b"ok")
        if path == "/_reset" and method == "POST":
            with state.lock:
                state.modes.clear()
                state.counts.clear()
            return self.answer(200, b"ok")
        return self.answer(404, b"unknown control path")

    def serve(self, method, path, body, mode):
        name, _, arg = mode.partition("=")
        if name == "down":
            self.close_connection = True
            return
        if name == "slow":
            time.sleep(float(arg or 5))
        elif name == "http500":
            return self.answer(500, b"internal server error (fault mode)")
        elif name == "garbage":
            return self.answer(200, b"this is not DER \x00\xff" + os.urandom(48), "application/octet-stream")
        elif name == "oversized":
            return self.oversized(int(arg or 8 << 20))
        elif name == "file":
            return self.send_file(arg)
        is_ocsp = path.startswith("/ocsp/")
        if name in OCSP_ONLY and not is_ocsp:
            return self.answer(400, ("mode %s applies to OCSP requests only" % name).encode())
        if is_ocsp:
            name_and_request = path[len("/ocsp/"):]
            if method == "GET":
                responder, _, encoded = name_and_request.partition("/")
                try:
                    body = base64.b64decode(urllib.parse.unquote(encoded), validate=True)
                except ValueError:
                    return self.answer(200, MALFORMED_REQUEST, "application/ocsp-response")
                return self.ocsp(responder, body, name, arg)
            return self.ocsp(name_and_request, body, name, arg)
        if method != "GET":
            return self.answer(405, b"files are fetched with GET")
        return self.send_file(path.lstrip("/"))

    def oversized(self, size):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"\x30" * 65536
        try:
            while size > 0:
                n = min(size, len(chunk))
                self.wfile.write(chunk[:n])
                size -= n
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def inside_dir(self, relative):
        full = os.path.realpath(os.path.join(self.state.dir, relative))
        if not full.startswith(self.state.dir + os.sep) or os.path.basename(full).startswith("."):
            return None
        return full

    def send_file(self, relative):
        full = self.inside_dir(relative)
        if full is None or not os.path.isfile(full):
            return self.answer(404, b"no such file")
        with open(full, "rb") as f:
            data = f.read()
        return self.answer(200, data, content_type_of(full))

    def ocsp(self, name, request, mode, arg):
        base = self.inside_dir(os.path.join("ocsp", name))
        if base is None or "/" in name or not os.path.isfile(os.path.join(base, "index.txt")):
            return self.answer(404, b"no such OCSP responder")
        signer_cert = os.path.join(base, "signer.cert.pem")
        signer_key = os.path.join(base, "signer.key.pem")
        if mode in ("signer", "wrongkey"):
            stem = "rogue-responder" if mode == "wrongkey" else arg
            signer_cert = self.inside_dir(stem + ".cert.pem")
            signer_key = self.inside_dir(stem + ".key.pem")
            if not signer_cert or not os.path.isfile(signer_cert) or not os.path.isfile(signer_key or ""):
                return self.answer(404, b"no such signer")
        try:
            if mode == "wrongid":
                request = flip_serial(request)
            elif mode == "nonce-mismatch":
                request = flip_nonce(request)
                if request is None:
                    return self.answer(400, b"nonce-mismatch needs a request with a nonce")
        except (ValueError, IndexError, StopIteration):
            return self.answer(200, MALFORMED_REQUEST, "application/ocsp-response")
        validity = ["-ndays", "1"]
        if mode in ("nmin", "ndays"):
            validity = ["-" + mode, arg or "1"]
        elif mode == "no-next-update":
            validity = []
        prefix = []
        if mode == "stale":
            faketime = shutil.which("faketime")
            if not faketime:
                return self.answer(501, b"the stale mode needs faketime")
            prefix = [faketime, "-f", "-3d"]
        with tempfile.TemporaryDirectory(prefix="ocsp-") as tmp:
            req_path = os.path.join(tmp, "req.der")
            resp_path = os.path.join(tmp, "resp.der")
            with open(req_path, "wb") as f:
                f.write(request)
            command = prefix + ["openssl", "ocsp", "-index", os.path.join(base, "index.txt"),
                                "-CA", os.path.join(base, "issuer.cert.pem"),
                                "-rsigner", signer_cert, "-rkey", signer_key,
                                "-reqin", req_path, "-respout", resp_path] + validity
            done = subprocess.run(command, capture_output=True, timeout=30)
            if done.returncode != 0 or not os.path.isfile(resp_path):
                if b"Error" in done.stderr and b"request" in done.stderr.lower():
                    return self.answer(200, MALFORMED_REQUEST, "application/ocsp-response")
                sys.stderr.write("revocation_server: openssl ocsp failed: %s\n" % done.stderr.decode(errors="replace"))
                return self.answer(502, b"openssl ocsp failed")
            with open(resp_path, "rb") as f:
                return self.answer(200, f.read(), "application/ocsp-response")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True, help="the folder served (CRLs, ocsp/<name>/...)")
    parser.add_argument("--port", type=int, default=0,
                        help="the port (default: a free one); exits 1 without a line when it is taken")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    Handler.state = State(args.dir)
    try:
        server = Server(("127.0.0.1", args.port), Handler)
    except OSError as e:
        sys.stderr.write("revocation_server: cannot bind port %d: %s\n" % (args.port, e))
        return 1
    print(server.server_address[1], flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    while not stop.wait(0.2):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
