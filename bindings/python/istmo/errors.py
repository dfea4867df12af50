"""Exceptions raised by the istmo binding.

Every failing C call raises a subclass of :class:`Error` chosen by its ``istmo_error`` code;
the exception carries that ``code`` (a negative int, see ``istmo.h``), the ``message``
of ``istmo_last_error_message()`` and its Spanish twin ``message_es``
(``istmo_last_error_message_es()``; the English text with a library older than 0.2).
"""

from typing import Dict, Optional, Type


class Error(Exception):
    """An operation of the istmo library failed (the job could not be done).

    A document that is merely invalid is not an error: ``verify`` returns a report.
    """

    #: the istmo_error code of this class (the instance's ``code`` is the actual one)
    default_code = -17

    def __init__(self, code: int, message: str, message_es: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        #: the same message in Spanish
        self.message_es = message if message_es is None else message_es

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, message={self.message!r})"


class InvalidArgumentError(Error):
    """NULL/None where a value is required, a bad length, an unknown name (-1)."""
    default_code = -1


class InvalidObjectError(Error):
    """A handle of the wrong kind, or one that was already closed (-2)."""
    default_code = -2


class NotFoundError(Error):
    """A file does not exist (-3)."""
    default_code = -3


class PermissionDeniedError(Error):
    """A file could not be read because of permissions (-4)."""
    default_code = -4


class IoError(Error):
    """Reading or writing failed (-5)."""
    default_code = -5


class ParseError(Error):
    """The input is not well-formed XML, PEM or DER (-6)."""
    default_code = -6


class LimitExceededError(Error):
    """A safety limit (size, depth, count) was hit (-7)."""
    default_code = -7


class UnsupportedError(Error):
    """Feature, profile or algorithm not available in this build (-8)."""
    default_code = -8


class BadPasswordError(Error):
    """A key could not be decrypted: password missing or wrong (-9)."""
    default_code = -9


class InvalidKeyError(Error):
    """A key is unusable: type, size, or it does not match the certificate (-10)."""
    default_code = -10


class CertificateError(Error):
    """A certificate is unreadable or unusable (-11)."""
    default_code = -11


class CryptoError(Error):
    """A cryptographic operation failed (-12)."""
    default_code = -12


class UnavailableError(Error):
    """A remote service could not be reached (-13)."""
    default_code = -13


class DeadlineExceededError(Error):
    """A time budget ran out (-14)."""
    default_code = -14


class FailedPreconditionError(Error):
    """An object is in the wrong state for the call (-15)."""
    default_code = -15


class OutOfMemoryError(Error):
    """An allocation failed (-16)."""
    default_code = -16


class InternalError(Error):
    """A bug or an unexpected library failure (-17)."""
    default_code = -17


class ModuleError(Error):
    """A PKCS#11 module does not load or does not initialise (-18)."""
    default_code = -18


class TokenNotPresentError(Error):
    """No PKCS#11 token matches the URI, or it was removed (-19)."""
    default_code = -19


class PinLockedError(Error):
    """The token's user PIN is locked (-20)."""
    default_code = -20


_BY_CODE: Dict[int, Type[Error]] = {
    cls.default_code: cls
    for cls in (
        InvalidArgumentError, InvalidObjectError, NotFoundError, PermissionDeniedError, IoError,
        ParseError, LimitExceededError, UnsupportedError, BadPasswordError, InvalidKeyError,
        CertificateError, CryptoError, UnavailableError, DeadlineExceededError,
        FailedPreconditionError, OutOfMemoryError, InternalError, ModuleError, TokenNotPresentError,
        PinLockedError,
    )
}


def error_for(code: int, message: str, message_es: Optional[str] = None) -> Error:
    """The exception for an istmo_error code (plain :class:`Error` for unknown codes)."""
    return _BY_CODE.get(code, Error)(code, message, message_es)
