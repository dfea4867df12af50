"""Loading libistmo-c and declaring its functions for ctypes (private module).

Where the library is looked for, in this order:

1. the path in the ``ISTMO_LIBRARY`` (or, the older name, ``ISTMO_C_LIBRARY``) environment
   variable (used as is; if it cannot be loaded, import fails: there is no silent fallback to
   another copy);
2. the build tree of a source checkout: ``<checkout>/build*/bindings/c/libistmo-c.so``
   (the most recently built one);
3. the installed library: ``<sys.prefix>/lib/libistmo-c.so.<major>``, then the dynamic
   loader's search path (``ctypes.util.find_library("istmo-c")``, ``libistmo-c.so.<major>``).
"""

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path
from typing import List, Optional

from .errors import error_for

#: the C ABI major this binding was written for (docs/c-api.md: the ABI changes only with it)
ABI_MAJOR = 0

_SONAME = f"libistmo-c.so.{ABI_MAJOR}"


class KeyHandle(ctypes.Structure):
    """Opaque ``istmo_key``."""


class CertHandle(ctypes.Structure):
    """Opaque ``istmo_cert``."""


class TrustHandle(ctypes.Structure):
    """Opaque ``istmo_trust``."""


class ReportHandle(ctypes.Structure):
    """Opaque ``istmo_report``."""


class OptionsHandle(ctypes.Structure):
    """Opaque ``istmo_verify_options``."""


class DgiOptionsHandle(ctypes.Structure):
    """Opaque ``istmo_dgi_options``."""


class DgiAnswerHandle(ctypes.Structure):
    """Opaque ``istmo_dgi_answer``."""


class DgiClientHandle(ctypes.Structure):
    """Opaque ``istmo_dgi_client``."""


KeyP = ctypes.POINTER(KeyHandle)
CertP = ctypes.POINTER(CertHandle)
TrustP = ctypes.POINTER(TrustHandle)
ReportP = ctypes.POINTER(ReportHandle)
OptionsP = ctypes.POINTER(OptionsHandle)
DgiOptionsP = ctypes.POINTER(DgiOptionsHandle)
DgiAnswerP = ctypes.POINTER(DgiAnswerHandle)
DgiClientP = ctypes.POINTER(DgiClientHandle)


def _candidates() -> List[str]:
    found: List[str] = []
    checkout = Path(__file__).resolve().parents[3]
    builds = sorted(checkout.glob("build*/bindings/c/libistmo-c.so"),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    found.extend(str(p) for p in builds)
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix, "/usr/local")):
        for libdir in ("lib", "lib64", "lib/x86_64-linux-gnu"):
            path = Path(prefix) / libdir / _SONAME
            if path.exists():
                found.append(str(path))
    by_loader = ctypes.util.find_library("istmo-c")
    if by_loader:
        found.append(by_loader)
    found.append(_SONAME)
    return found


def _load() -> ctypes.CDLL:
    for variable in ("ISTMO_LIBRARY", "ISTMO_C_LIBRARY"):
        override = os.environ.get(variable)
        if override:
            try:
                return ctypes.CDLL(override)
            except OSError as exc:
                raise ImportError(f"istmo: cannot load {variable}={override}: {exc}") from exc
    errors = []
    for candidate in _candidates():
        try:
            return ctypes.CDLL(candidate)
        except OSError as exc:
            errors.append(f"{candidate}: {exc}")
    raise ImportError("istmo: libistmo-c not found (install libistmo0, or set ISTMO_LIBRARY to "
                      "the path of libistmo-c.so.0). Tried: " +
                      "; ".join(errors))


lib = _load()
#: the file the library was loaded from (as given to the loader)
library_path: Optional[str] = getattr(lib, "_name", None)


def _check(result: int, func, args):  # ctypes errcheck
    if result < 0:
        message_es = None
        if hasattr(lib, "istmo_last_error_message_es"):  # since 0.2
            message_es = lib.istmo_last_error_message_es().decode("utf-8", "replace")
        raise error_for(result, lib.istmo_last_error_message().decode("utf-8", "replace"), message_es)
    return result


def _declare(name: str, restype, argtypes, check: bool = False, optional: bool = False) -> None:
    if optional and not hasattr(lib, name):
        return  # an older libistmo-c.so.0: the functions that need it say so when called
    func = getattr(lib, name)
    func.restype = restype
    func.argtypes = argtypes
    if check:
        func.errcheck = _check


_c_char_pp = ctypes.POINTER(ctypes.c_void_p)  # char** out: kept as void* to free it exactly
_size_p = ctypes.POINTER(ctypes.c_size_t)

_declare("istmo_version", ctypes.c_int, [])
_declare("istmo_version_string", ctypes.c_char_p, [])
_declare("istmo_init", ctypes.c_int, [], check=True)
_declare("istmo_last_error_message", ctypes.c_char_p, [])
_declare("istmo_last_error_message_es", ctypes.c_char_p, [], optional=True)
_declare("istmo_strerror", ctypes.c_char_p, [ctypes.c_int])
_declare("istmo_free", None, [ctypes.c_void_p])
_declare("istmo_key_load_file", ctypes.c_int,
         [ctypes.POINTER(KeyP), ctypes.c_char_p, ctypes.c_char_p], check=True)
_declare("istmo_key_free", None, [KeyP])
_declare("istmo_key_load_pkcs11", ctypes.c_int,
         [ctypes.POINTER(KeyP), ctypes.POINTER(CertP), ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p],
         check=True)
_declare("istmo_sign_prepare", ctypes.c_int,
         [_c_char_pp, _size_p, _c_char_pp, _size_p, ctypes.c_char_p, ctypes.c_size_t, CertP, ctypes.c_char_p],
         check=True)
_declare("istmo_sign_complete", ctypes.c_int,
         [_c_char_pp, _size_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t], check=True)
_declare("istmo_cert_load_file", ctypes.c_int, [ctypes.POINTER(CertP), ctypes.c_char_p], check=True)
_declare("istmo_cert_free", None, [CertP])
_declare("istmo_trust_new", ctypes.c_int, [ctypes.POINTER(TrustP)], check=True)
_declare("istmo_trust_add_file", ctypes.c_int, [TrustP, ctypes.c_char_p], check=True)
_declare("istmo_trust_free", None, [TrustP])
_declare("istmo_sign", ctypes.c_int,
         [_c_char_pp, _size_p, ctypes.c_char_p, ctypes.c_size_t, KeyP, CertP, ctypes.c_char_p],
         check=True)
_declare("istmo_verify", ctypes.c_int,
         [ctypes.POINTER(ReportP), ctypes.c_char_p, ctypes.c_size_t, TrustP], check=True)
_declare("istmo_report_indication", ctypes.c_int, [ReportP], check=True)
_declare("istmo_report_sub_indication", ctypes.c_char_p, [ReportP])
_declare("istmo_report_json", ctypes.c_char_p, [ReportP])
_declare("istmo_report_free", None, [ReportP])
_declare("istmo_invoice_validate", ctypes.c_int,
         [ctypes.POINTER(ReportP), ctypes.c_char_p, ctypes.c_size_t, TrustP], check=True)
_declare("istmo_invoice_validate_ex", ctypes.c_int,
         [ctypes.POINTER(ReportP), ctypes.c_char_p, ctypes.c_size_t, TrustP, ctypes.c_uint], check=True)
_declare("istmo_invoice_from_json", ctypes.c_int,
         [_c_char_pp, _size_p, ctypes.c_char_p, ctypes.c_size_t], check=True)
_declare("istmo_invoice_sign", ctypes.c_int,
         [_c_char_pp, _size_p, ctypes.c_char_p, ctypes.c_size_t, KeyP, CertP, ctypes.c_char_p,
          ctypes.c_size_t, ctypes.c_char_p], check=True)
_declare("istmo_invoice_cufe", ctypes.c_int,
         [_c_char_pp, ctypes.c_char_p, ctypes.c_size_t], check=True)
_declare("istmo_timestamp_request", ctypes.c_int,
         [_c_char_pp, _size_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, TrustP],
         check=True)

# Verification options (ISTMO_C_0.2): optional, so that the rest works with an older library.
_declare("istmo_verify_options_new", ctypes.c_int, [ctypes.POINTER(OptionsP)], check=True, optional=True)
_declare("istmo_verify_options_free", None, [OptionsP], optional=True)
_declare("istmo_verify_options_set_time", ctypes.c_int, [OptionsP, ctypes.c_longlong], check=True, optional=True)
for _name in ("add_trust_file", "add_trust_dir", "add_untrusted_file", "set_revocation", "add_crl_file",
              "add_ocsp_response_file", "set_revocation_cache_dir"):
    _declare("istmo_verify_options_" + _name, ctypes.c_int, [OptionsP, ctypes.c_char_p], check=True, optional=True)
for _name in ("set_legacy", "set_offline"):
    _declare("istmo_verify_options_" + _name, ctypes.c_int, [OptionsP, ctypes.c_int], check=True, optional=True)
_declare("istmo_verify_with_options", ctypes.c_int,
         [ctypes.POINTER(ReportP), ctypes.c_char_p, ctypes.c_size_t, TrustP, OptionsP], check=True, optional=True)
_declare("istmo_invoice_validate_with_options", ctypes.c_int,
         [ctypes.POINTER(ReportP), ctypes.c_char_p, ctypes.c_size_t, TrustP, OptionsP], check=True, optional=True)

# Long-term signatures (ISTMO_C_0.2): optional too.
_declare("istmo_extend", ctypes.c_int,
         [_c_char_pp, _size_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_char_p, TrustP, OptionsP],
         check=True, optional=True)

# The DGI web services (ISTMO_C_0.2): optional too.
_declare("istmo_dgi_options_new", ctypes.c_int, [ctypes.POINTER(DgiOptionsP), ctypes.c_int], check=True, optional=True)
_declare("istmo_dgi_options_set", ctypes.c_int, [DgiOptionsP, ctypes.c_char_p, ctypes.c_char_p], check=True,
         optional=True)
_declare("istmo_dgi_options_free", None, [DgiOptionsP], optional=True)
_declare("istmo_dgi_send", ctypes.c_int, [ctypes.POINTER(DgiAnswerP), ctypes.c_char_p, ctypes.c_size_t, DgiOptionsP],
         check=True, optional=True)
_declare("istmo_dgi_query", ctypes.c_int, [ctypes.POINTER(DgiAnswerP), ctypes.c_char_p, DgiOptionsP], check=True,
         optional=True)
_declare("istmo_dgi_answer_outcome", ctypes.c_int, [DgiAnswerP], check=True, optional=True)
_declare("istmo_dgi_answer_protocol", ctypes.c_char_p, [DgiAnswerP], optional=True)
_declare("istmo_dgi_answer_code_count", ctypes.c_int, [DgiAnswerP], check=True, optional=True)
_declare("istmo_dgi_answer_code", ctypes.c_int,
         [DgiAnswerP, ctypes.c_size_t, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p)], check=True,
         optional=True)
_declare("istmo_dgi_answer_container", ctypes.c_void_p, [DgiAnswerP, _size_p], optional=True)
_declare("istmo_dgi_answer_json", ctypes.c_char_p, [DgiAnswerP], optional=True)
_declare("istmo_dgi_answer_free", None, [DgiAnswerP], optional=True)
_declare("istmo_dgi_client_new", ctypes.c_int, [ctypes.POINTER(DgiClientP), DgiOptionsP], check=True, optional=True)
_declare("istmo_dgi_client_free", None, [DgiClientP], optional=True)
_declare("istmo_dgi_client_send", ctypes.c_int,
         [ctypes.POINTER(DgiAnswerP), DgiClientP, ctypes.c_char_p, ctypes.c_size_t], check=True, optional=True)
_declare("istmo_dgi_client_query", ctypes.c_int, [ctypes.POINTER(DgiAnswerP), DgiClientP, ctypes.c_char_p],
         check=True, optional=True)

if lib.istmo_version() // 10000 != ABI_MAJOR:
    raise ImportError(f"istmo: {library_path} has version {lib.istmo_version_string().decode()}, "
                      f"this binding needs the C ABI {ABI_MAJOR}.x")


def has_options() -> bool:
    """True when the loaded library has the verification options (istmo_verify_options_*)."""
    return hasattr(lib, "istmo_verify_with_options")


def last_error() -> str:
    return lib.istmo_last_error_message().decode("utf-8", "replace")


def take_buffer(pointer: ctypes.c_void_p, length: int) -> bytes:
    """Copies a buffer returned by the library and frees it with istmo_free."""
    try:
        return ctypes.string_at(pointer, length) if pointer.value else b""
    finally:
        lib.istmo_free(pointer)
