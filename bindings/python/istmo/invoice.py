"""Panama e-invoices, DGI format rFE 1.00 (istmo.invoice), over the C API.

    xml = istmo.invoice.from_json(json_bytes)          # unsigned rFE, derived fields filled in
    signed = istmo.invoice.sign(xml, key, cert, qr_secret)   # signed, with gNoFirm/dQRCode
    report = istmo.invoice.validate(signed, istmo.Trust([...]))
    report.indication, [f["code"] for f in report.findings]   # "FE-CUFE-MISMATCH", ...
    istmo.invoice.cufe(signed)                          # the CUFE computed from the fields

An invalid invoice gives a Report (TOTAL_FAILED with FE-* findings, docs/panama-fe.md), not an
exception; errors (istmo.Error subclasses) mean the job could not be done.
"""

import ctypes

from typing import Iterable, Optional

from . import (Cert, Key, PathLike, Report, TimeLike, Trust, VerifyOptions, _bytes,
               _given_options, _handle_or_null, _native, _options_for)
from ._native import lib as _lib

__all__ = ["from_json", "sign", "validate", "cufe"]


def from_json(json_text: bytes) -> bytes:
    """Builds the unsigned rFE XML document from its JSON description (DGI field names;
    derived amounts, totals and the CUFE are computed when absent and checked when given).
    Raises ParseError (not JSON) or InvalidArgumentError (unknown field, wrong value)."""
    data = _bytes(json_text, "json_text")
    out = ctypes.c_void_p()
    length = ctypes.c_size_t()
    _lib.istmo_invoice_from_json(ctypes.byref(out), ctypes.byref(length), data, len(data))
    return _native.take_buffer(out, length.value)


def sign(xml: bytes, key: Key, cert: Cert, qr_secret: bytes, qr_base_url: Optional[str] = None) -> bytes:
    """Signs an rFE with the DGI profile (RSA-SHA256, enveloped, exclusive C14N) and appends
    gNoFirm/dQRCode: the consultation URL (qr_base_url, default the DGI's for the invoice's iAmb)
    with an HS256 JWT made with qr_secret (bytes, never logged; read it from a file or the
    environment, not from the command line). For a signature without QR use
    istmo.sign(xml, key, cert, profile="panama-fe")."""
    data = _bytes(xml, "xml")
    secret = _bytes(qr_secret, "qr_secret")
    out = ctypes.c_void_p()
    length = ctypes.c_size_t()
    _lib.istmo_invoice_sign(ctypes.byref(out), ctypes.byref(length), data, len(data),
                            _handle_or_null(key, Key, "key"), _handle_or_null(cert, Cert, "cert"),
                            secret, len(secret), None if qr_base_url is None else qr_base_url.encode("utf-8"))
    return _native.take_buffer(out, length.value)


# Flag bits of istmo_invoice_validate_ex (bindings/c/istmo.h).
_INVOICE_LEGACY = 0x1


def validate(xml: bytes, trust: Optional[Trust] = None, legacy: bool = False, *,
             options: Optional[VerifyOptions] = None, at: Optional[TimeLike] = None,
             trust_files: Iterable[PathLike] = (), trust_dirs: Iterable[PathLike] = (),
             untrusted: Iterable[PathLike] = (), revocation: str = "auto", offline: bool = False,
             crls: Iterable[PathLike] = (), ocsp_responses: Iterable[PathLike] = (),
             revocation_cache: Optional[PathLike] = None) -> Report:
    """Validates an invoice (structure, arithmetic, business rules, CUFE, QR, signature) into a
    Report whose findings carry the FE-* codes. The rFE may stand inside rContFe, rEnviFe,
    rEnviFeDGI or a SOAP envelope. legacy=True accepts SHA-1 (the DGI accepts it in production)
    with the warning FE-SIG-LEGACY; without it such a signature is INDETERMINATE.

    Trust anchors come from trust and from trust_files / trust_dirs (or options). The profile
    carries only the signer's certificate: give the intermediate CA with untrusted= (or trust
    it). The other keyword arguments are those of :class:`istmo.VerifyOptions` (the CLI's
    ``istmo invoice validate`` options); an explicit at= also enables the checks that compare
    the invoice with that time."""
    data = _bytes(xml, "xml")
    settings = dict(at=at, trust_files=trust_files, trust_dirs=trust_dirs, untrusted=untrusted,
                    legacy=legacy, revocation=revocation, offline=offline, crls=crls,
                    ocsp_responses=ocsp_responses, revocation_cache=revocation_cache)
    handle = _native.ReportP()
    trust_handle = _handle_or_null(trust, Trust, "trust")
    if options is None and set(_given_options(settings)) <= {"legacy"}:
        # What the 0.1 entry points can do: any libistmo-c.so.0 will do.
        if legacy:
            _lib.istmo_invoice_validate_ex(ctypes.byref(handle), data, len(data), trust_handle, _INVOICE_LEGACY)
        else:
            _lib.istmo_invoice_validate(ctypes.byref(handle), data, len(data), trust_handle)
    else:
        chosen = _options_for(options, settings)
        _lib.istmo_invoice_validate_with_options(ctypes.byref(handle), data, len(data), trust_handle,
                                                 None if chosen is None else chosen._get())
    return Report._take(handle)


def cufe(xml: bytes) -> str:
    """The CUFE (unique invoice code, 66 characters) computed from the fields of an invoice XML
    document, whatever its dId says. Raises ParseError (not an rFE) or InvalidArgumentError
    (a CUFE field missing or malformed)."""
    data = _bytes(xml, "xml")
    out = ctypes.c_void_p()
    _lib.istmo_invoice_cufe(ctypes.byref(out), data, len(data))
    return _native.take_buffer(out, len(ctypes.string_at(out)) if out.value else 0).decode("utf-8")
