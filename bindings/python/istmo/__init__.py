"""istmo: XML signatures, verification reports, e-invoices and RFC 3161 timestamps.

A ctypes binding over the istmo C API (``libistmo-c``); no compiler is needed. ::

    import istmo
    key = istmo.Key.load("signer.key.pem")
    cert = istmo.Cert.load("signer.cert.pem")
    signed = istmo.sign(b"<Invoice>...</Invoice>", key, cert)
    report = istmo.verify(signed, istmo.Trust(["ca.cert.pem"]))
    print(report.indication, report.findings)

    # every validation option of the CLI, as keyword arguments:
    report = istmo.verify(signed, trust_dirs=["/etc/istmo/anchors"], untrusted=["ca.pem"],
                          at="2026-01-02T03:04:05Z", revocation="require", offline=True,
                          crls=["ca.crl"])

Operation failures raise :class:`istmo.Error` subclasses (with ``code`` and ``message``);
a document that is merely invalid gives a :class:`Report`, never an exception.

Threads: keys, certificates and trust stores may be shared by many threads once created
(do not call ``Trust.add_file`` while another thread verifies with the same store).
The library is found through ``ISTMO_LIBRARY`` (or ``ISTMO_C_LIBRARY``), else the build tree
of a checkout, else the installed location and the dynamic loader's search path (see
``istmo._native``): with the Debian package ``libistmo0`` installed nothing needs to be set.
"""

import ctypes
import datetime as _datetime
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
    "Key", "Cert", "Trust", "Report", "VerifyOptions", "sign", "verify", "timestamp", "version", "version_number",
    "invoice", "Error", "InvalidArgumentError", "InvalidObjectError", "NotFoundError",
    "PermissionDeniedError", "IoError", "ParseError", "LimitExceededError", "UnsupportedError",
    "BadPasswordError", "InvalidKeyError", "CertificateError", "CryptoError", "UnavailableError",
    "DeadlineExceededError", "FailedPreconditionError", "OutOfMemoryError", "InternalError",
    "ModuleError", "TokenNotPresentError", "PinLockedError", "sign_prepare", "sign_complete", "extend", "dgi",
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


#: a validation time: an aware datetime, seconds since 1970-01-01T00:00:00Z, or RFC 3339 text
TimeLike = Union[_datetime.datetime, int, float, str]


def _unix_seconds(at: TimeLike) -> int:
    if isinstance(at, bool):
        raise TypeError("at must be a datetime, a number of seconds or RFC 3339 text, not bool")
    if isinstance(at, (int, float)):
        return int(at)
    if isinstance(at, str):
        try:
            at = _datetime.datetime.fromisoformat(at.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(f"at: {at!r} is not an RFC 3339 time (e.g. 2026-01-02T03:04:05Z)") from None
    if isinstance(at, _datetime.datetime):
        if at.tzinfo is None:
            raise ValueError("at: a datetime without a time zone is ambiguous; give tzinfo (e.g. timezone.utc)")
        return int(at.timestamp() // 1)
    raise TypeError(f"at must be a datetime, a number of seconds or RFC 3339 text, not {type(at).__name__}")


class VerifyOptions(_Handle):
    """Every validation option of the CLI (``istmo verify``, ``istmo invoice validate``) in one
    object, for :func:`verify` and :func:`istmo.invoice.validate` (``options=``).

    The same keyword arguments are accepted by those functions directly; an object is worth
    keeping when many documents are verified alike: files are read once, and CRLs and OCSP
    responses fetched for one call are cached for the next (across threads too).

    at: validation time (aware datetime, Unix seconds, or RFC 3339 text); default now.
    trust_files / trust_dirs: trust anchors (PEM bundle or DER files; directories of *.pem,
    *.crt, *.cer, *.der). untrusted: intermediates for path building, never anchors.
    legacy: accept SHA-1 and RSA from 1024 bits with a warning. revocation: "auto" (default),
    "require" or "off". offline: never fetch CRLs / OCSP responses. crls: CRL files (DER or
    PEM). ocsp_responses: DER OCSP response files. revocation_cache: a directory where fetched
    CRLs / OCSP responses are kept between runs.

    Raises NotFoundError, ParseError, CertificateError, ... for a file that cannot be used, and
    InvalidArgumentError for an unknown revocation policy. Needs libistmo-c 0.2 or later
    (UnsupportedError otherwise)."""

    _kind = "verification options"

    def __init__(self, *, at: Optional[TimeLike] = None, trust_files: Iterable[PathLike] = (),
                 trust_dirs: Iterable[PathLike] = (), untrusted: Iterable[PathLike] = (),
                 legacy: bool = False, revocation: str = "auto", offline: bool = False,
                 crls: Iterable[PathLike] = (), ocsp_responses: Iterable[PathLike] = (),
                 revocation_cache: Optional[PathLike] = None) -> None:
        if not _native.has_options():
            raise UnsupportedError(-8, f"the loaded libistmo-c ({version()}) has no verification options: "
                                       "it needs 0.2 or later")
        handle = _native.OptionsP()
        _lib.istmo_verify_options_new(ctypes.byref(handle))
        super().__init__(handle)
        if at is not None:
            _lib.istmo_verify_options_set_time(handle, _unix_seconds(at))
        for path in _paths(trust_files, "trust_files"):
            _lib.istmo_verify_options_add_trust_file(handle, path)
        for path in _paths(trust_dirs, "trust_dirs"):
            _lib.istmo_verify_options_add_trust_dir(handle, path)
        for path in _paths(untrusted, "untrusted"):
            _lib.istmo_verify_options_add_untrusted_file(handle, path)
        _lib.istmo_verify_options_set_legacy(handle, 1 if legacy else 0)
        if not isinstance(revocation, str):
            raise TypeError(f"revocation must be 'auto', 'require' or 'off', not {type(revocation).__name__}")
        _lib.istmo_verify_options_set_revocation(handle, revocation.encode("utf-8"))
        _lib.istmo_verify_options_set_offline(handle, 1 if offline else 0)
        for path in _paths(crls, "crls"):
            _lib.istmo_verify_options_add_crl_file(handle, path)
        for path in _paths(ocsp_responses, "ocsp_responses"):
            _lib.istmo_verify_options_add_ocsp_response_file(handle, path)
        if revocation_cache is not None:
            _lib.istmo_verify_options_set_revocation_cache_dir(handle, _path(revocation_cache))

    @staticmethod
    def _free(handle) -> None:
        _lib.istmo_verify_options_free(handle)


def _paths(values: Iterable[PathLike], what: str) -> List[bytes]:
    if isinstance(values, (str, bytes, os.PathLike)):
        raise TypeError(f"{what} must be a list of paths, not one path")
    return [v if isinstance(v, bytes) else _path(v) for v in values]


_DEFAULTS: Dict[str, Any] = dict(at=None, trust_files=[], trust_dirs=[], untrusted=[], legacy=False,
                                 revocation="auto", offline=False, crls=[], ocsp_responses=[],
                                 revocation_cache=None)


def _given_options(settings: Dict[str, Any]) -> List[str]:
    """The names of the keyword options that differ from their defaults (path lists are made
    lists of bytes in place, so that iterators are read once)."""
    for name in ("trust_files", "trust_dirs", "untrusted", "crls", "ocsp_responses"):
        settings[name] = _paths(settings[name], name)
    return sorted(k for k, v in settings.items()
                  if not (v is _DEFAULTS[k] or (type(v) is type(_DEFAULTS[k]) and v == _DEFAULTS[k])))


def _options_for(options: Optional[VerifyOptions], settings: Dict[str, Any]) -> Optional[VerifyOptions]:
    """The options of one call: options= or the keyword arguments (not both); None for none."""
    given = _given_options(settings)
    if options is not None:
        if not isinstance(options, VerifyOptions):
            raise TypeError(f"options must be istmo.VerifyOptions, not {type(options).__name__}")
        if given:
            raise TypeError("give either options= or keyword options (" + ", ".join(given) + "), not both")
        return options
    return VerifyOptions(**settings) if given else None


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


def verify(xml: bytes, trust: Optional[Trust] = None, *, options: Optional[VerifyOptions] = None,
           at: Optional[TimeLike] = None, trust_files: Iterable[PathLike] = (),
           trust_dirs: Iterable[PathLike] = (), untrusted: Iterable[PathLike] = (),
           legacy: bool = False, revocation: str = "auto", offline: bool = False,
           crls: Iterable[PathLike] = (), ocsp_responses: Iterable[PathLike] = (),
           revocation_cache: Optional[PathLike] = None) -> Report:
    """Verifies every signature of the document; always a Report for documents (broken ones
    included); raises only when the job could not be done.

    Trust anchors come from trust and from trust_files / trust_dirs (or options); trust may be
    None when options are given (InvalidArgumentError when nothing is given at all); with no
    anchor a correct signature is INDETERMINATE. The keyword arguments are those of
    :class:`VerifyOptions` (the CLI's ``--at``, ``--trust``, ``--trust-dir``, ``--untrusted``,
    ``--legacy``, ``--revocation``, ``--offline``, ``--crl``, ``--ocsp-response``,
    ``--revocation-cache``); options= passes a prepared object instead."""
    data = _bytes(xml, "xml")
    chosen = _options_for(options, dict(at=at, trust_files=trust_files, trust_dirs=trust_dirs,
                                        untrusted=untrusted, legacy=legacy, revocation=revocation,
                                        offline=offline, crls=crls, ocsp_responses=ocsp_responses,
                                        revocation_cache=revocation_cache))
    handle = _native.ReportP()
    if chosen is None:
        # No option: the 0.1 entry point (which refuses a missing trust store).
        _lib.istmo_verify(ctypes.byref(handle), data, len(data), _handle_or_null(trust, Trust, "trust"))
    else:
        _lib.istmo_verify_with_options(ctypes.byref(handle), data, len(data),
                                       _handle_or_null(trust, Trust, "trust"),
                                       None if chosen is None else chosen._get())
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


def extend(xml: bytes, level: str, tsa_url: str, tsa_trust: Trust, *,
           options: Optional[VerifyOptions] = None) -> bytes:
    """Augments the XAdES signatures of xml to level "b-t", "b-lt" or "b-lta" (ETSI EN 319 132-1)
    without changing a signed byte, with time-stamps from tsa_url (verified against tsa_trust).
    options gives the anchors of the signer's path, intermediates, the time and the revocation
    settings the validation data (CertificateValues, RevocationValues) is gathered with.
    Raises UnavailableError when a time-stamp or a required certificate status cannot be had,
    UnsupportedError with a libistmo-c older than 0.2."""
    if not hasattr(_lib, "istmo_extend"):
        raise UnsupportedError(-8, f"the loaded libistmo-c ({version()}) has no istmo_extend: it needs 0.2 or later")
    data = _bytes(xml, "xml")
    out = ctypes.c_void_p()
    length = ctypes.c_size_t()
    _lib.istmo_extend(ctypes.byref(out), ctypes.byref(length), data, len(data), level.encode("utf-8"),
                      tsa_url.encode("utf-8"), _handle_or_null(tsa_trust, Trust, "tsa_trust"),
                      _handle_or_null(options, VerifyOptions, "options"))
    return _native.take_buffer(out, length.value)


from . import invoice  # noqa: E402  (needs the names above)
from . import dgi  # noqa: E402
