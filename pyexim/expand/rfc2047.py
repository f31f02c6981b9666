"""RFC 2047 encoded-words: decoding for ``$h_`` and ``${rfc2047d:}``, encoding for
``${rfc2047:}`` (Exim: rfc2047.c, parse.c parse_quote_2047).

Decoding finds ``=?charset?Q|B?data?=`` words (at most 75 characters each when the
length check is on), decodes them, and translates them to the target charset as
Exim's iconv() use does: an unknown charset is reported and the bytes are used
untranslated; on a byte that cannot be translated, what was translated so far is
kept and the rest of the word is copied as it is.
"""

from __future__ import annotations

import codecs

from pyexim.strings import SPACE, XDIGITS, span, strcmpic
from pyexim.taint import Tainted, mark

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUE = {c: i for i, c in enumerate(_B64)}


def b64decode(text: str) -> str | None:
    """Exim's b64decode: white space ignored, strict padding; None when malformed."""
    out: list[int] = []
    n = len(text)
    i = 0

    def nxt() -> str:
        nonlocal i
        i = span(text, SPACE, i, n)
        if i >= n:
            return ""
        c = text[i]
        i += 1
        return c

    while True:
        i = span(text, SPACE, i, n)
        if i >= n:
            break
        c = text[i]
        i += 1
        x = _B64_VALUE.get(c)
        if x is None:
            return None
        c = nxt()
        y = _B64_VALUE.get(c)
        if y is None:
            return None
        out.append(((x << 2) | (y >> 4)) & 0xFF)
        c = nxt()
        if c == "=":
            if nxt() != "=" or nxt() != "":
                return None
            break
        x = _B64_VALUE.get(c)
        if x is None:
            return None
        out.append(((y << 4) | (x >> 2)) & 0xFF)
        c = nxt()
        if c == "=":
            if nxt() != "":
                return None
            break
        y = _B64_VALUE.get(c)
        if y is None:
            return None
        out.append(((x << 6) | y) & 0xFF)
    return bytes(out).decode("latin-1")


def _qp_decode(text: str) -> str | None:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        i += 1
        if c == "_":
            out.append(" ")
        elif c == "=":
            a = text[i:i + 1]
            b = text[i + 1:i + 2] if a else ""
            if not a or not b or a not in XDIGITS or b not in XDIGITS:
                return None
            out.append(chr(int(a + b, 16)))
            i += 2
        elif c in " \t":
            return None
        else:
            out.append(c)
    return "".join(out)


def _find_word(text: str, start: int, lencheck: bool) -> tuple[int, int, int, str] | None:
    """The next decodable encoded-word at or after *start*: (begin, q1, end, decoded)."""
    pos = start
    while True:
        begin = text.find("=?", pos)
        if begin < 0:
            return None
        q1 = text.find("?", begin + 2)
        if q1 < 0:
            return None
        q2 = text.find("?", q1 + 1)
        if q2 < 0:
            return None
        end = text.find("?=", q2 + 1)
        if end < 0:
            return None
        pos = begin + 2
        if (lencheck and end - begin > 73) or q2 - q1 != 2:
            continue
        encoding = text[q1 + 1].upper()
        data = text[q2 + 1:end]
        decoded = b64decode(data) if encoding == "B" else _qp_decode(data) \
            if encoding == "Q" else None
        if decoded is not None:
            return begin, q1, end, decoded


def _translate(data: str, source: str, target: str) -> tuple[str, str | None]:
    """Bytes *data* from charset *source* to *target*, as iconv() would; (result, error)."""
    try:
        codecs.lookup(source)
        codecs.lookup(target)
    except LookupError:
        return data, (f'iconv_open("{target}", "{source}") failed: Invalid argument '
                      "(maybe unsupported conversion)")
    raw = data.encode("latin-1")
    try:
        chars = raw.decode(source)
        good = len(raw)
    except UnicodeDecodeError as error:
        chars = raw[:error.start].decode(source)
        good = error.start
    out = bytearray()
    done = 0
    for ch in chars:
        try:
            out += ch.encode(target)
        except UnicodeEncodeError:
            break
        done += 1
    if done < len(chars):
        good = len(chars[:done].encode(source))
    return out.decode("latin-1") + raw[good:].decode("latin-1"), None


def decode_2047(text: str, lencheck: bool, target: str | None,
                zeroval: str = "") -> tuple[str | None, str | None]:
    """Exim's rfc2047_decode2: (decoded text, error message or None).

    Text with no encoded-words comes back unchanged. White space between adjacent
    encoded-words is dropped. NUL bytes become *zeroval* when given.
    """
    found = _find_word(text, 0, lencheck)
    if found is None:
        return text, None
    out: list[str] = []
    error: str | None = None
    pos = 0
    while found is not None:
        begin, q1, end, decoded = found
        out.append(text[pos:begin])
        charset = text[begin + 2:q1]
        if target and strcmpic(target, charset) != 0:
            decoded, problem = _translate(decoded, charset, target)
            if problem:
                error = problem
        if zeroval:
            decoded = decoded.replace("\0", zeroval)
        out.append(decoded)
        pos = end + 2
        found = _find_word(text, pos, lencheck)
        if found is not None:
            gap = pos
            gap = span(text, SPACE, gap)
            if gap == found[0]:
                pos = gap
    out.append(text[pos:])
    return mark("".join(out), isinstance(text, Tainted)), error


_SPECIALS_2047 = frozenset('?=()<>@,;:\\".[]_')


def quote_2047(text: str, charset: str | None, fold: bool = False) -> str:
    """Exim's parse_quote_2047: *text* as Q-encoded words, or unchanged if nothing needs it.

    Encoded-words are kept under 75 characters; with *fold* a newline precedes the
    space between them.
    """
    header = f"=?{charset or 'iso-8859-1'}?Q?"
    out: list[str] = [header]
    length = len(header)
    line_start = length
    coded = False
    first_byte = False
    for ch in text:
        if length - line_start > 67 and not first_byte:
            sep = "?=\n " if fold else "?= "
            out.append(sep)
            length += len(sep)
            line_start = length
            out.append(header)
            length += len(header)
        o = ord(ch)
        if o < 33 or o > 126 or ch in _SPECIALS_2047:
            if ch == " ":
                out.append("_")
                length += 1
                first_byte = False
            else:
                out.append(f"={o:02X}")
                length += 3
                coded = True
                first_byte = not first_byte
        else:
            out.append(ch)
            length += 1
            first_byte = False
    if not coded:
        return text
    out.append("?=")
    return mark("".join(out), isinstance(text, Tainted))
