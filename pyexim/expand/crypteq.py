"""The ``crypteq`` condition: a password against a stored hash (Exim: expand.c ECOND_CRYPTEQ).

``{md5}`` and ``{sha1}`` hashes are compared as base64 (24/28 characters) or hex (32/40,
any case); other lengths never match. ``{crypt}`` and plain values use the system's
crypt(3) (DES, $1$, $5$, $6$, yescrypt... whatever libcrypt knows), ``{crypt16}`` is
Exim's own two-block use of crypt().
"""

from __future__ import annotations

import base64
import hashlib
import warnings

from pyexim.expand.evaluator import ExpansionError

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import crypt as _crypt_module  # Python < 3.13: the system's crypt(3)
    except ImportError:  # pragma: no cover - Python 3.13+
        _crypt_module = None  # type: ignore[assignment]


def system_crypt(key: str, salt: str) -> str | None:
    """crypt(3) of *key* with *salt*; None when libcrypt refuses the salt."""
    if _crypt_module is None:
        raise ExpansionError("crypt error: crypt(3) is not available in this Python")
    try:
        result = _crypt_module.crypt(key, salt)
    except OSError as error:
        if error.errno == 22:  # EINVAL: an invalid salt
            return None
        raise ExpansionError(f"crypt error: {error.strerror}\n") from None
    if not result or result.startswith("*"):
        return None
    return result


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
