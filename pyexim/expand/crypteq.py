"""The ``crypteq`` condition: a password against a stored hash (Exim: expand.c ECOND_CRYPTEQ).

``{md5}`` and ``{sha1}`` hashes are compared as base64 (24/28 characters) or hex (32/40,
any case); other lengths never match. ``{crypt}`` and plain values use the system's
crypt(3) (DES, $1$, $5$, $6$, yescrypt... whatever libcrypt knows), ``{crypt16}`` is
Exim's own two-block use of crypt().
"""

from __future__ import annotations

# Modules that cost milliseconds to import (hashlib, hmac, subprocess) are imported in
# the functions that use them: most runs never need them.
import _thread
import base64

from pyexim.expand.evaluator import ExpansionError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# libcrypt, loaded on first use through ctypes: Python's own crypt module is deprecated
# (gone in 3.13), costs milliseconds to import on every start, and encodes keys as UTF-8
# where Exim passes the bytes as they are.
_libcrypt: Any = None
_EINVAL = 22
# crypt(3) returns a pointer into a static buffer: one caller at a time.
_crypt_lock = _thread.allocate_lock()


def _load_libcrypt() -> Any:
    global _libcrypt
    if _libcrypt is None:
        import ctypes
        import ctypes.util
        name = "libcrypt.so.1"
        try:
            library = ctypes.CDLL(name, use_errno=True)
        except OSError:
            found = ctypes.util.find_library("crypt")
            if found is None:
                raise ExpansionError("crypt error: libcrypt is not installed") from None
            library = ctypes.CDLL(found, use_errno=True)
        library.crypt.restype = ctypes.c_char_p
        library.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        _libcrypt = library
    return _libcrypt


def system_crypt(key: str, salt: str) -> str | None:
    """crypt(3) of *key* with *salt* (one character per byte); None when libcrypt refuses the salt."""
    import ctypes
    library = _load_libcrypt()
    with _crypt_lock:
        ctypes.set_errno(0)
        result = library.crypt(key.encode("latin-1", "replace"), salt.encode("latin-1", "replace"))
        errno = ctypes.get_errno()
    if result is None:
        if errno in (0, _EINVAL):
            return None
        import os
        raise ExpansionError(f"crypt error: {os.strerror(errno)}\n")
    text = result.decode("latin-1")
    if not text or text.startswith("*"):
        return None
    return text


def crypt16(key: str, salt: str) -> str | None:
    """Exim's crypt16: crypt() of the first 8 characters, then of the next 8 with the
    first hash's leading characters as salt."""
    first = system_crypt(key, salt)
    if first is None:
        return None
    result = first[:13]
    if len(key) > 8:
        second = system_crypt(key[8:], result[2:4])
        if second is None:
            return None
        result += second[2:13]
    return result


def _digest_matches(digest: bytes, coded: str) -> bool:
    if len(coded) == len(base64.b64encode(digest)):
        return base64.b64encode(digest).decode("ascii") == coded
    if len(coded) == 2 * len(digest):
        return digest.hex().lower() == coded.lower()
    return False


def crypteq(plain: str, encrypted: str) -> bool:
    """True when *plain* hashes to *encrypted*; ExpansionError for an unknown ``{scheme}``."""
    import hashlib
    lowered = encrypted[:9].lower()
    data = plain.encode("latin-1")
    if lowered.startswith("{md5}"):
        return _digest_matches(hashlib.md5(data).digest(), encrypted[5:])
    if lowered.startswith("{sha1}"):
        return _digest_matches(hashlib.sha1(data).digest(), encrypted[6:])
    if lowered.startswith("{crypt}"):
        salt = encrypted[7:]
        coded = system_crypt(plain, salt)
    elif lowered.startswith("{crypt16}"):
        salt = encrypted[9:]
        coded = crypt16(plain, salt)
    elif encrypted.startswith("{"):
        raise ExpansionError(f'unknown encryption mechanism in "{encrypted}"')
    else:
        salt = encrypted
        coded = system_crypt(plain, salt)
    # Fewer than two characters cannot hold a salt: an empty hash must never match.
    return coded is not None and len(salt) >= 2 and coded == salt
