"""istmo: XML signatures, verification reports, e-invoices and RFC 3161 timestamps.

A ctypes binding over the istmo C API (``libistmo-c``); no compiler is needed. ::

    import istmo
    key = istmo.Key.load("signer.key.pem")
    cert = istmo.Cert.load("signer.cert.pem")
    signed = istmo.sign(b"<Invoice>...</Invoice>", key, cert)
    report = istmo.verify(signed, istmo.Trust(["ca.cert.pem"]))
    print(report.indication, report.findings)

Operation failures raise :class:`istmo.Error` subclasses (with ``code`` and ``message``);
a document that is merely invalid gives a :class:`Report`, never an exception.

Threads: keys, certificates and trust stores may be shared by many threads once created
(do not call ``Trust.add_file`` while another thread verifies with the same store).
The library is found through ``ISTMO_C_LIBRARY``, else the build tree of a checkout, else
the installed location (see ``istmo._native``).
"""

import ctypes
import json as _json
import os
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from . import _native
from ._native import lib as _lib
from .errors import (BadPasswordError, CertificateError, CryptoError, DeadlineExceededError, Error,
                     FailedPreconditionError, InternalError, InvalidArgumentError, InvalidKeyError,
                     InvalidObjectError, IoError, LimitExceededError, ModuleError, NotFoundError,
                     OutOfMemoryError, ParseError, PermissionDeniedError, PinLockedError,
                     TokenNotPresentError, UnavailableError, UnsupportedError)

__all__ = [
    "Key", "Cert", "Trust", "Report", "sign", "verify", "timestamp", "version", "version_number",
    "invoice", "Error", "InvalidArgumentError", "InvalidObjectError", "NotFoundError",
    "PermissionDeniedError", "IoError", "ParseError", "LimitExceededError", "UnsupportedError",
    "BadPasswordError", "InvalidKeyError", "CertificateError", "CryptoError", "UnavailableError",
    "DeadlineExceededError", "FailedPreconditionError", "OutOfMemoryError", "InternalError",
    "ModuleError", "TokenNotPresentError", "PinLockedError", "sign_prepare", "sign_complete",
]

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

_INDICATIONS = {0: "TOTAL_PASSED", 1: "TOTAL_FAILED", 2: "INDETERMINATE"}


def version() -> str:
    """The version of the loaded C library, e.g. ``"0.1.0"``."""
    return _lib.istmo_version_string().decode("ascii")


def version_number() -> int:
    """The version as MAJOR * 10000 + MINOR * 100 + PATCH."""
    return _lib.istmo_version()


__version__ = version()
_lib.istmo_init()


def _path(value: PathLike) -> bytes:
    return os.fsencode(value)


def _bytes(value: Any, what: str) -> bytes:
    if isinstance(value, str):
        raise TypeError(f"{what} must be bytes (encode the text first), not str")
    try:
        return bytes(memoryview(value))
    except TypeError:
        raise TypeError(f"{what} must be a bytes-like object, not {type(value).__name__}") from None


def _closed(kind: str) -> InvalidObjectError:
    return InvalidObjectError(-2, f"the {kind} was already closed")


class _Handle:
    """Owns one C handle; freed by ``close()``, ``with`` or garbage collection."""

    _free = None  # set by subclasses
    _kind = "handle"

    def __init__(self, handle) -> None:
        self._handle = handle

    def close(self) -> None:
        handle, self._handle = self._handle, None
        if handle:
            type(self)._free(handle)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return not self._handle

    def _get(self):
        if not self._handle:
            raise _closed(self._kind)
        return self._handle


class Key(_Handle):
    """A private key (RSA 2048..16384, EC P-256/384/521, Ed25519)."""

    _free = staticmethod(_lib.istmo_key_free)
    _kind = "key"

    @classmethod
    def load(cls, path: PathLike, password: Union[str, bytes, None] = None) -> "Key":
        """Loads PEM (also encrypted), DER or PKCS#12, detected by content.

        Raises BadPasswordError (missing or wrong password), NotFoundError, ParseError,
        InvalidKeyError (refused type or size)."""
        if isinstance(password, str):
            password = password.encode("utf-8")
        handle = _native.KeyP()
        _lib.istmo_key_load_file(ctypes.byref(handle), _path(path), password)
        return cls(handle)

    @classmethod
    def pkcs11(cls, uri: str, pin: Union[str, bytes, None] = None,
               module: Optional[PathLike] = None) -> Tuple["Key", Optional["Cert"]]:
        """A key on a PKCS#11 token named by an RFC 7512 URI ("pkcs11:token=...;object=..."),
        and the certificate stored with it on the token (None when there is none). module: the
        PKCS#11 module (default: the URI's module-path, then ISTMO_PKCS11_MODULE).

        Raises ModuleError, TokenNotPresentError, BadPasswordError, PinLockedError,
        NotFoundError (no such key), InvalidKeyError, InvalidArgumentError."""
        if isinstance(pin, str):
            pin = pin.encode("utf-8")
        handle = _native.KeyP()
        cert = _native.CertP()
        _lib.istmo_key_load_pkcs11(ctypes.byref(handle), ctypes.byref(cert), uri.encode("utf-8"),
                                   None if module is None else _path(module), pin)
        return cls(handle), (Cert(cert) if cert else None)


class Cert(_Handle):
    """A signer certificate; further certificates of a PEM file are its chain."""

    _free = staticmethod(_lib.istmo_cert_free)
    _kind = "certificate"

    @classmethod
    def load(cls, path: PathLike) -> "Cert":
        """Loads a PEM or DER certificate. Raises NotFoundError, ParseError, CertificateError."""
        handle = _native.CertP()
        _lib.istmo_cert_load_file(ctypes.byref(handle), _path(path))
        return cls(handle)


class Trust(_Handle):
    """Trust anchors. An empty store trusts nothing (signatures are then INDETERMINATE)."""

    _free = staticmethod(_lib.istmo_trust_free)
    _kind = "trust store"

    def __init__(self, paths: Iterable[PathLike] = ()) -> None:
        handle = _native.TrustP()
        _lib.istmo_trust_new(ctypes.byref(handle))
        super().__init__(handle)
        for path in paths:
            self.add_file(path)

    def add_file(self, path: PathLike) -> "Trust":
        """Adds every certificate of a PEM bundle or DER file as an anchor."""
        _lib.istmo_trust_add_file(self._get(), _path(path))
        return self


class Report:
    """The result of a verification (istmo.verify) or of an invoice validation
    (istmo.invoice.validate): plain data, no library resources held."""

    def __init__(self, indication_code: int, sub_indication: str, json_text: str) -> None:
        self.indication_code = indication_code
        #: "TOTAL_PASSED", "TOTAL_FAILED" or "INDETERMINATE"
        self.indication = _INDICATIONS.get(indication_code, str(indication_code))
        #: ETSI sub-indication, e.g. "HASH_FAILURE"; "" when there is none
        self.sub_indication = sub_indication
        #: the report as JSON text (the format of ``istmo verify --json``)
        self.json = json_text
        #: the report as parsed JSON
        self.data: Dict[str, Any] = _json.loads(json_text)
        #: every finding: dicts with "code", "severity", "message" (English), "message_es",
        #: "location", "field", "rule" (e.g. the Ficha ID) and "line"; absent values are None
        #: (docs/report-json.md)
        self.findings: List[Dict[str, Any]] = list(self.data.get("findings", []))

    @property
    def passed(self) -> bool:
        return self.indication_code == 0

    @classmethod
    def _take(cls, handle) -> "Report":
        try:
            code = _lib.istmo_report_indication(handle)
            sub = _lib.istmo_report_sub_indication(handle)
            text = _lib.istmo_report_json(handle)
            if sub is None or text is None:
                raise InternalError(-17, _native.last_error())
            return cls(code, sub.decode("utf-8"), text.decode("utf-8"))
        finally:
            _lib.istmo_report_free(handle)

    def __repr__(self) -> str:
        sub = f"/{self.sub_indication}" if self.sub_indication else ""
        return f"<istmo.Report {self.indication}{sub}, {len(self.findings)} finding(s)>"


def _handle_or_null(obj: Optional[_Handle], cls, what: str):
    if obj is None:
        return None
    if not isinstance(obj, cls):
        raise TypeError(f"{what} must be istmo.{cls.__name__}, not {type(obj).__name__}")
    return obj._get()


def sign(xml: bytes, key: Key, cert: Optional[Cert] = None, profile: str = "xmldsig") -> bytes:
    """Signs an XML document and returns the signed document.

    profile "xmldsig": enveloped XML Signature with algorithm chosen from the key.
    "xades-b-b": XAdES baseline B-B (needs cert). "panama-fe": a Panama rFE e-invoice (needs
    cert and an RSA key); no QR (gNoFirm) is added: istmo.invoice.sign adds it."""
    data = _bytes(xml, "xml")
    out = ctypes.c_void_p()
    length = ctypes.c_size_t()
    _lib.istmo_sign(ctypes.byref(out), ctypes.byref(length), data, len(data),
                    _handle_or_null(key, Key, "key"), _handle_or_null(cert, Cert, "cert"),
                    None if profile is None else profile.encode("utf-8"))
    return _native.take_buffer(out, length.value)


def sign_prepare(xml: bytes, cert: Cert, profile: str = "xmldsig") -> Tuple[bytes, Dict[str, Any]]:
    """Two-step signing, first step (no key): returns (state, request). request holds
    signature_algorithm, digest_algorithm and digest (base64; signed_info for Ed25519)."""
    data = _bytes(xml, "xml")
    state, state_len = ctypes.c_void_p(), ctypes.c_size_t()
    request, request_len = ctypes.c_void_p(), ctypes.c_size_t()
    _lib.istmo_sign_prepare(ctypes.byref(state), ctypes.byref(state_len), ctypes.byref(request),
                            ctypes.byref(request_len), data, len(data), _handle_or_null(cert, Cert, "cert"),
                            profile.encode("utf-8"))
    state_bytes = _native.take_buffer(state, state_len.value)
    return state_bytes, _json.loads(_native.take_buffer(request, request_len.value))


def sign_complete(state: bytes, value: bytes) -> bytes:
    """Two-step signing, second step: the signed document; raises InvalidArgumentError when the
    value does not verify with the certificate or the state was edited."""
    out, length = ctypes.c_void_p(), ctypes.c_size_t()
    _lib.istmo_sign_complete(ctypes.byref(out), ctypes.byref(length), state, len(state), value, len(value))
    return _native.take_buffer(out, length.value)


def verify(xml: bytes, trust: Trust) -> Report:
    """Verifies every signature of the document against trust; always a Report for documents
    (broken ones included); raises only when the job could not be done."""
    data = _bytes(xml, "xml")
    handle = _native.ReportP()
    _lib.istmo_verify(ctypes.byref(handle), data, len(data), _handle_or_null(trust, Trust, "trust"))
    return Report._take(handle)


def timestamp(data: bytes, tsa_url: str, trust: Trust) -> bytes:
    """An RFC 3161 timestamp token (DER TimeStampToken) over data (SHA-256, fresh nonce) from
    the TSA at tsa_url, verified against trust before it is returned. Raises UnavailableError
    when the TSA cannot be reached, answers with an error or its token fails verification."""
    payload = _bytes(data, "data")
    out = ctypes.c_void_p()
    length = ctypes.c_size_t()
    _lib.istmo_timestamp_request(ctypes.byref(out), ctypes.byref(length), payload, len(payload),
                                 tsa_url.encode("utf-8"), _handle_or_null(trust, Trust, "trust"))
    return _native.take_buffer(out, length.value)


from . import invoice  # noqa: E402  (needs the names above)
