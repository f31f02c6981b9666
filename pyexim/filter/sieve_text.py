"""Sieve string helpers: encoded characters, quoted-printable, mailto URIs (Exim: sieve.c).

RFC 5228 section 2.4.2.4 (``${hex:...}``, ``${unicode:...}``), RFC 2045 quoted-printable
for vacation bodies, RFC 6068 mailto URIs for enotify (RFC 5435/5436). Text is bytes,
one character per byte.
"""

from __future__ import annotations

from pyexim.record import field, record
from pyexim.strings import XDIGITS, span

_BLANK = " \t\n"


class SieveTextError(Exception):
    """A string that cannot be decoded; the message is Exim's."""


def _hex_pairs(body: str) -> str | None:
    """A hex-pair sequence (blanks between pairs) as bytes, or None if malformed."""
    out: list[str] = []
    i, end = 0, len(body)
    i = span(body, _BLANK, i)
    while True:
        start = i
        while i < end and i - start < 2 and body[i] in XDIGITS:
            i += 1
        if i == start:
            return None
        out.append(chr(int(body[start:i], 16)))
        if i == end:
            return "".join(out)
        if body[i] not in _BLANK:
            return None
        i = span(body, _BLANK, i)
        if i >= end:
            return "".join(out)


def _unicode_chars(body: str) -> str | None:
    """A unicode-hex sequence as UTF-8 bytes; None if malformed.

    Raises SieveTextError for a code point outside 0-D7FF and E000-10FFFF.
    """
    out: list[str] = []
    i, end = 0, len(body)
    i = span(body, _BLANK, i)
    while True:
        start = i
        while i < end and body[i] == "0":
            i += 1
        digits_start = i
        while i < end and i - digits_start < 7 and body[i] in XDIGITS:
            i += 1
        if i == start:
            return None
        value = int(body[digits_start:i] or "0", 16)
        if i - digits_start == 7 or not (value <= 0xD7FF or 0xE000 <= value <= 0x10FFFF):
            raise SieveTextError("unicode character out of range")
        out.append(chr(value).encode("utf-8").decode("latin-1"))
        if i < end and body[i] in _BLANK:
            i = span(body, _BLANK, i)
            if i == end:
                return "".join(out)
            continue
        if i >= end:
            return "".join(out)


def decode_encoded_characters(text: str) -> str:
    """Replace ``${hex:..}`` and ``${unicode:..}`` (any case) as Exim's string_decode does.

    Malformed sequences are left as they are. Raises SieveTextError for an
    out-of-range Unicode character.
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        lowered = text[i:i + 10].lower()
        if lowered.startswith("${hex:"):
            brace = text.find("}", i + 6)
            decoded = _hex_pairs(text[i + 6:brace]) if brace >= 0 else None
            if decoded is not None:
                out.append(decoded)
                i = brace + 1
                continue
        elif lowered.startswith("${unicode:"):
            brace = text.find("}", i + 10)
            if brace >= 0:
                decoded = _unicode_chars(text[i + 10:brace])
                if decoded is not None:
                    out.append(decoded)
                    i = brace + 1
                    continue
        out.append(text[i])
        i += 1
    return "".join(out)


def quoted_printable(text: str) -> str:
    """Exim's quoted_printable_encode for vacation bodies (CRLF becomes a plain newline).

    Soft line breaks (``=`` newline) are inserted before a line passes 73 characters.
    """
    out: list[str] = []
    line = 0
    i, end = 0, len(text)
    while i < end:
        ch = text[i]
        if line >= 73:
            out.append("=\n")
            line = 0
        if ("!" <= ch <= "<" or ">" <= ch <= "~"
                or (ch in " \t" and i + 2 < end and text[i + 1:i + 3] != "\r\n")):
            out.append(ch)
            line += 1
        elif ch == "\r" and text[i + 1:i + 2] == "\n":
            out.append("\n")
            line = 0
            i += 1
        else:
            out.append(f"={ord(ch):02X}")
            line += 3
        i += 1
    return "".join(out)


def _uri_decode(text: str) -> str:
    """%XX decoding; SieveTextError("Invalid URI encoding") for a bad escape."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "%":
            pair = text[i + 1:i + 3]
            if i + 2 < len(text) and all(c in XDIGITS for c in pair):
                out.append(chr(int(pair, 16)))
                i += 3
                continue
            raise SieveTextError("Invalid URI encoding")
        out.append(text[i])
        i += 1
    return "".join(out)


_URLC = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$-_.+!*'(),%")
# Header names a mailto URI may not set (RFC 5436 section 2.2).
_IGNORED_HEADERS = ("date", "from", "message-id", "received", "auto-submitted")


@record
class MailtoUri:
    """What a mailto: URI asks for: recipients (last first, as Exim chains them), extra
    header lines, subject and body (None when not given)."""

    recipients: list[str] = field(default_factory=list)
    headers: str | None = None
    subject: str | None = None
    body: str | None = None


def parse_mailto(uri: str) -> MailtoUri:
    """Parse a mailto: URI as Exim's parse_mailto_uri does.

    Raises SieveTextError("Unknown URI scheme") for another scheme and Exim's other
    messages for malformed URIs. Exim stores each header field's value under the
    field's name (its hvalue parser writes into the name), so ``?subject=Hi`` adds a
    header "Hi: " and sets no subject; that is copied on purpose, since it decides
    what a notification contains.
    """
    if not uri.startswith("mailto:"):
        raise SieveTextError("Unknown URI scheme")
    result = MailtoUri()
    i = 7
    if i < len(uri) and uri[i] != "?":
        while True:
            start = i
            while i < len(uri) and uri[i] != "?" and not (
                    uri[i] == "%" and uri[i + 1:i + 2] == "2" and uri[i + 2:i + 3].lower() == "c"):
                i += 1
            if i == start:
                raise SieveTextError("Missing addr-spec in URI")
            result.recipients.insert(0, _uri_decode(uri[start:i]))
            if i < len(uri) and uri[i] == "%":
                i += 3
            else:
                break
    if i < len(uri) and uri[i] == "?":
        i += 1
        while True:
            start = i
            i = span(uri, _URLC, i)
            name = _uri_decode(uri[start:i]) if i > start else ""
            if i >= len(uri) or uri[i] != "=":
                raise SieveTextError("Missing equal after hname")
            i += 1
            start = i
            i = span(uri, _URLC, i)
            if i > start:
                name = uri[start:i]
            value = ""
            if name.lower() == "to":
                result.recipients.insert(0, value)
            elif name.lower() == "body":
                result.body = value
            elif name.lower() == "subject":
                result.subject = value
            elif name.lower() not in _IGNORED_HEADERS:
                result.headers = (result.headers or "") + f"{name}: {value}\n"
            if i < len(uri) and uri[i] == "&":
                i += 1
            else:
                break
    if i < len(uri):
        raise SieveTextError("Syntactically invalid URI")
    return result
