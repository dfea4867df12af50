"""E-invoices (istmo.invoice). Not yet available in this build: every function raises
istmo.UnsupportedError, the same as the C API (docs/c-api.md)."""

import ctypes

from . import Report, Trust, _bytes, _handle_or_null, _native
from ._native import lib as _lib

__all__ = ["from_json", "validate", "cufe"]


def from_json(json_text: bytes) -> bytes:
    """Builds the invoice XML document from its JSON description."""
    data = _bytes(json_text, "json_text")
    out = ctypes.c_void_p()
    length = ctypes.c_size_t()
    _lib.istmo_invoice_from_json(ctypes.byref(out), ctypes.byref(length), data, len(data))
    return _native.take_buffer(out, length.value)


def validate(xml: bytes, trust: Trust) -> Report:
    """Validates an invoice (schema, business rules, signature) into a Report."""
    data = _bytes(xml, "xml")
    handle = _native.ReportP()
    _lib.istmo_invoice_validate(ctypes.byref(handle), data, len(data),
                                _handle_or_null(trust, Trust, "trust"))
    return Report._take(handle)


def cufe(xml: bytes) -> str:
    """The CUFE (unique invoice code) of an invoice XML document."""
    data = _bytes(xml, "xml")
    out = ctypes.c_void_p()
    _lib.istmo_invoice_cufe(ctypes.byref(out), data, len(data))
    return _native.take_buffer(out, len(ctypes.string_at(out)) if out.value else 0).decode("utf-8")
