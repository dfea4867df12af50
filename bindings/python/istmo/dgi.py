"""The DGI web services of the Panama e-invoice (istmo.dgi), over the C API: send and query.

    answer = istmo.dgi.send(signed_rfe, environment="test", client_p12="transmision.p12",
                            password=os.environ["P12_PASS"])
    answer.outcome, answer.protocol, answer.codes   # "authorised", "2026...", [("0260", "...")]
    found = istmo.dgi.query(cufe, environment="test", client_p12=..., password=...)
    found.container                                 # rContFe (bytes): rFE, protocol, events

    with istmo.dgi.Client(environment="test", client_p12=..., password=...) as client:
        for rfe in signed_rfes:                     # one TLS context and connection pool for all
            answers.append(client.send(rfe))

Connection keywords (the names `istmo dgi` gives them, with '_' for '-'): endpoint (a base URL;
default the DGI's for the environment), soap ("1.2" or "1.1"), cacert, client_cert + client_key
(PEM) or client_p12, password, proxy, timeout (seconds), resends, max_response (bytes).
A rejection is an Answer with outcome "rejected" and its codes, not an exception; no answer at
all raises UnavailableError / DeadlineExceededError (after send: query before sending again).
send() and query() make a client (TLS context, client certificate read, I/O thread) for each
call; a Client makes it once and may be shared by threads (libistmo-c 0.2 with istmo_dgi_client_*).
Offline, test against the DGI simulator: `istmo dgi simulate` (docs/dgi.md).
"""

import ctypes
import json as _json
from typing import Any, Dict, List, Optional, Tuple

from . import UnsupportedError, _bytes, _Handle, _native, version
from ._native import lib as _lib

__all__ = ["Answer", "Client", "send", "query"]

_OUTCOMES = {0: "authorised", 1: "registered", 2: "found", 3: "accepted", 4: "duplicate", 5: "rejected", 6: "fault"}
_ENVIRONMENTS = {"production": 1, "1": 1, 1: 1, "test": 2, "2": 2, 2: 2}
_OPTION_NAMES = ("endpoint", "soap", "cacert", "client_cert", "client_key", "client_p12", "password", "proxy",
                 "timeout", "resends", "max_response")


class Answer:
    """One DGI answer: outcome ("authorised", "registered", "found", "accepted", "duplicate",
    "rejected", "fault"), protocol (the 20 digits, "" when none), codes [(code, message)],
    container (feConsFE's rContFe as bytes, b"" otherwise) and the whole answer as a dict (json)."""

    def __init__(self, outcome: str, protocol: str, codes: List[Tuple[str, str]], container: bytes,
                 json: Dict[str, Any]) -> None:
        self.outcome = outcome
        self.protocol = protocol
        self.codes = codes
        self.container = container
        self.json = json

    def __repr__(self) -> str:
        return f"Answer(outcome={self.outcome!r}, protocol={self.protocol!r}, codes={self.codes!r})"


def _require() -> None:
    if not hasattr(_lib, "istmo_dgi_send"):
        raise UnsupportedError(-8, f"the loaded libistmo-c ({version()}) has no istmo_dgi_*: it needs 0.2 or later")


def _options(environment: Any, settings: Dict[str, Any]):
    if environment not in _ENVIRONMENTS:
        raise ValueError(f"environment must be 'test' or 'production', not {environment!r}")
    unknown = [name for name in settings if name not in _OPTION_NAMES]
    if unknown:
        raise TypeError(f"unknown DGI option(s): {', '.join(sorted(unknown))}")
    handle = _native.DgiOptionsP()
    _lib.istmo_dgi_options_new(ctypes.byref(handle), _ENVIRONMENTS[environment])
    try:
        for name, value in settings.items():
            if value is None:
                continue
            text = value if isinstance(value, (str, bytes)) else str(value)
            if isinstance(text, str):
                text = text.encode("utf-8")
            _lib.istmo_dgi_options_set(handle, name.replace("_", "-").encode("ascii"), text)
    except BaseException:
        _lib.istmo_dgi_options_free(handle)
        raise
    return handle


def _answer(call) -> Answer:
    answer = _native.DgiAnswerP()
    call(ctypes.byref(answer))
    try:
        codes = []
        for index in range(_lib.istmo_dgi_answer_code_count(answer)):
            code = ctypes.c_char_p()
            message = ctypes.c_char_p()
            _lib.istmo_dgi_answer_code(answer, index, ctypes.byref(code), ctypes.byref(message))
            codes.append((code.value.decode("utf-8", "replace"), message.value.decode("utf-8", "replace")))
        length = ctypes.c_size_t()
        container = _lib.istmo_dgi_answer_container(answer, ctypes.byref(length))
        return Answer(_OUTCOMES.get(_lib.istmo_dgi_answer_outcome(answer), "rejected"),
                      _lib.istmo_dgi_answer_protocol(answer).decode("ascii"), codes,
                      ctypes.string_at(container, length.value) if container else b"",
                      _json.loads(_lib.istmo_dgi_answer_json(answer).decode("utf-8")))
    finally:
        _lib.istmo_dgi_answer_free(answer)


def send(signed_rfe: bytes, *, environment: Any, **connection: Any) -> Answer:
    """feRecepFE: sends one signed rFE for authorisation. A lost answer is followed by feConsFE
    for the rFE's CUFE before any resend: never authorised twice by istmo's doing."""
    _require()
    data = _bytes(signed_rfe, "signed_rfe")
    options = _options(environment, connection)
    try:
        return _answer(lambda out: _lib.istmo_dgi_send(out, data, len(data), options))
    finally:
        _lib.istmo_dgi_options_free(options)


def query(cufe: str, *, environment: Any, **connection: Any) -> Answer:
    """feConsFE: the DGI's record of an rFE by its CUFE (66 characters); found: its protocol and
    the container rContFe (Answer.container)."""
    _require()
    options = _options(environment, connection)
    try:
        return _answer(lambda out: _lib.istmo_dgi_query(out, cufe.encode("ascii"), options))
    finally:
        _lib.istmo_dgi_options_free(options)


class Client(_Handle):
    """A DGI client made once for many calls: its TLS context (the client certificate read once),
    connections and I/O thread serve every send() and query() until close() (or ``with``).
    Keywords as for send(); errors of the client certificate are raised here. One Client may be
    used by several threads at once; close it only when none is using it."""

    _kind = "DGI client"

    def __init__(self, *, environment: Any, **connection: Any) -> None:
        _require()
        if not hasattr(_lib, "istmo_dgi_client_new"):
            raise UnsupportedError(-8, f"the loaded libistmo-c ({version()}) has no istmo_dgi_client_*")
        options = _options(environment, connection)
        handle = _native.DgiClientP()
        try:
            _lib.istmo_dgi_client_new(ctypes.byref(handle), options)
        finally:
            _lib.istmo_dgi_options_free(options)
        super().__init__(handle)

    @staticmethod
    def _free(handle) -> None:
        _lib.istmo_dgi_client_free(handle)

    def send(self, signed_rfe: bytes) -> Answer:
        """feRecepFE with safe resend, as istmo.dgi.send."""
        data = _bytes(signed_rfe, "signed_rfe")
        handle = self._get()
        return _answer(lambda out: _lib.istmo_dgi_client_send(out, handle, data, len(data)))

    def query(self, cufe: str) -> Answer:
        """feConsFE, as istmo.dgi.query."""
        handle = self._get()
        return _answer(lambda out: _lib.istmo_dgi_client_query(out, handle, cufe.encode("ascii")))
