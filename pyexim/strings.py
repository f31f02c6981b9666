"""Exim's string.c on byte text: C-locale character classes, backslash escapes, the
printable form of a string, quoted words, lists and C number conversions.

Byte text is Exim's bytes, one byte per character: a ``str`` whose code points are all
below 256 (latin-1). The expansion engine, lists and lookups hold text that way, which
keeps lengths, substrings, hashes and regular expressions byte-exact, as Exim (built
without PCRE UTF mode) behaves. ``pyexim.message`` and ``pyexim.config`` hold UTF-8
decoded with surrogateescape instead; ``to_engine``/``from_engine`` convert between the
two. Character classes are those of the C locale, which Exim forces at start-up.
Everything here is pure and cheap to import (configuration reading uses it).
"""

from __future__ import annotations

from collections.abc import Container, Iterator

from pyexim.taint import Tainted, mark

# C-locale character classes, as Exim sees bytes (setlocale(LC_ALL, "C")).
C_SPACE = " \t\n\v\f\r"   # as a string, for strip() and friends
SPACE = frozenset(C_SPACE)
DIGITS = frozenset("0123456789")
ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
ALNUM = ALPHA | DIGITS
XDIGITS = frozenset("0123456789abcdefABCDEF")
PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
CNTRL = frozenset(chr(c) for c in list(range(32)) + [127])
# What an option or macro name is made of (readconf.c's isalnum() || '_').
NAME_CHARS = ALNUM | {"_"}


def span(text: str | bytes | list[str], chars: Container[object], pos: int = 0,
         end: int | None = None) -> int:
    """The index of the first character at or after *pos* (and before *end*, default the
    end of *text*) that is not in *chars*: C's strspn, as an index."""
    if end is None:
        end = len(text)
    while pos < end and text[pos] in chars:
        pos += 1
    return pos


def isspace(c: str) -> bool:
    return c in SPACE


def is_printing(c: str, print_topbitchars: bool = False) -> bool:
    """Exim's mac_isprint: 32..126, tab, and top-bit bytes when print_topbitchars is set."""
    o = ord(c)
    return 32 <= o <= 126 or c == "\t" or (o > 127 and print_topbitchars)


def to_bytes_text(data: bytes) -> str:
    """Bytes as engine text (one character per byte)."""
    return data.decode("latin-1")


def from_bytes_text(text: str) -> bytes:
    """Engine text back to the bytes it stands for."""
    return text.encode("latin-1")


def to_engine(text: str) -> str:
    """UTF-8/surrogateescape text (pyexim.message, pyexim.config) as byte text."""
    if text.isascii():
        return text
    converted = text.encode("utf-8", "surrogateescape").decode("latin-1")
    return mark(converted, isinstance(text, Tainted))


def from_engine(text: str) -> str:
    """Byte text as UTF-8/surrogateescape text."""
    if text.isascii():
        return text
    converted = text.encode("latin-1").decode("utf-8", "surrogateescape")
    return mark(converted, isinstance(text, Tainted))


_UPPER_ASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER_ASCII = "abcdefghijklmnopqrstuvwxyz"
_TO_LOWER = str.maketrans(_UPPER_ASCII, _LOWER_ASCII)
_TO_UPPER = str.maketrans(_LOWER_ASCII, _UPPER_ASCII)


def lower(text: str) -> str:
    """C-locale tolower: only ASCII letters change (str.lower would touch latin-1 letters)."""
    return text.lower() if text.isascii() else text.translate(_TO_LOWER)


def upper(text: str) -> str:
    """C-locale toupper."""
    return text.upper() if text.isascii() else text.translate(_TO_UPPER)


def strcmpic(a: str, b: str) -> int:
    """Exim's strcmpic: case-blind byte comparison, returning <0, 0 or >0.

    Exim's loop stops at the end of *a* and then returns the next byte of *b*, so a
    proper prefix compares as greater ("a" gti "ab" is true): copied on purpose, as
    lti/gti/lei/gei and ${sort} depend on it.
    """
    la, lb = lower(a), lower(b)
    for index, ca in enumerate(la):
        cb = lb[index] if index < len(lb) else "\0"
        if ca != cb:
            return ord(ca) - ord(cb)
    return ord(b[len(a)]) if len(b) > len(a) else 0


def strcmp(a: str, b: str) -> int:
    return (a > b) - (a < b)


# ---------------------------------------------------------------------------
# Escapes

_HEX = "0123456789abcdef"
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def interpret_escape(text: str, pos: int) -> tuple[str, int]:
    """Exim's string_interpret_escape for the backslash at *pos*.

    Returns the character and the index of the last character consumed, as Exim
    leaves its pointer on the final character of the sequence. ``\\`` followed by
    an octal digit reads up to three octal digits; ``\\x`` up to two hex digits
    (none gives NUL); b f n r t v are the C escapes; anything else is itself.
    """
    p = pos + 1
    if p >= len(text):
        return "\\", pos
    ch = text[p]
    if ch in "01234567":
        value = ord(ch) - 48
        if p + 1 < len(text) and text[p + 1] in "01234567":
            p += 1
            value = value * 8 + ord(text[p]) - 48
            if p + 1 < len(text) and text[p + 1] in "01234567":
                p += 1
                value = value * 8 + ord(text[p]) - 48
        return chr(value & 0xFF), p
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch], p
    if ch == "x":
        value = 0
        if p + 1 < len(text) and text[p + 1] in XDIGITS:
            p += 1
            value = _HEX.index(text[p].lower())
            if p + 1 < len(text) and text[p + 1] in XDIGITS:
                p += 1
                value = value * 16 + _HEX.index(text[p].lower())
        return chr(value), p
    return ch, p


def unprinting(text: str) -> str:
    """Exim's string_unprinting: every backslash escape in *text* turned back into its byte."""
    if "\\" not in text:
        return text
    return _unescaped(text, 0, "")[0]


def _unescaped(text: str, pos: int, stop: str) -> tuple[str, int]:
    """*text* from *pos* with its escapes processed, up to the character *stop* (or the end
    when it is empty): (the text, the index of the stop or the end)."""
    n = len(text)
    out: list[str] = []
    while pos < n and text[pos] != stop:
        if text[pos] == "\\":
            ch, pos = interpret_escape(text, pos)
            out.append(ch)
        else:
            out.append(text[pos])
        pos += 1
    return "".join(out), pos


def printing(text: str, *, tabs: bool = False, spaces: bool = False,
             print_topbitchars: bool = False) -> str:
    """Exim's string_printing2 on byte text: non-printing bytes as C escapes or \\ooo octal.

    Printing bytes are 32-126 and tab, and those above 127 when *print_topbitchars*;
    *tabs* and *spaces* (Exim's SP_TAB, SP_SPACE) escape tab and space as well.
    Backslashes are not doubled. The result keeps *text*'s taint.
    """
    if text.isascii() and text.isprintable() and not (spaces and " " in text):
        return text
    out: list[str] = []
    changed = False
    for ch in text:
        if is_printing(ch, print_topbitchars) and not (tabs and ch == "\t") and not (
                spaces and ch == " "):
            out.append(ch)
            continue
        changed = True
        out.append(_PRINT_ESCAPES.get(ch) or f"\\{ord(ch):03o}")
    if not changed:
        return text
    return mark("".join(out), isinstance(text, Tainted))


_PRINT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\b": "\\b", "\v": "\\v", "\f": "\\f",
                  "\t": "\\t"}


def dequote(text: str, pos: int = 0) -> tuple[str, int]:
    """Exim's string_dequote at *pos*: a word up to white space, or a "quoted" string
    with its escapes processed (a missing closing quote tolerated).

    Returns the word and the position after it.
    """
    n = len(text)
    if pos >= n or text[pos] != '"':
        end = pos
        while end < n and text[end] not in SPACE:
            end += 1
        return text[pos:end], end
    word, p = _unescaped(text, pos + 1, '"')
    return word, p + 1 if p < n else p


# ---------------------------------------------------------------------------
# Lists (string_nextinlist)

# A separator that never occurs in text: the whole string is one item (Exim: UCHAR_MAX+1).
SINGLE_ITEM = "\u0100"


def list_separator(text: str, pos: int = 0, default: str = ":") -> tuple[str, int]:
    """The separator a list uses and where its items begin: ``<x`` at its start (x a
    punctuation or control character) names it, else it is *default*."""
    n = len(text)
    while pos < n and text[pos] in SPACE:
        pos += 1
    if pos < n and text[pos] == "<":
        if pos + 1 >= n:
            # A lone "<" at the end: Exim tests the terminating NUL, which iscntrl()
            # accepts, so the separator becomes NUL and the list is empty.
            return "\0", n
        if text[pos + 1] in PUNCT or text[pos + 1] in CNTRL:
            sep = text[pos + 1]
            pos += 2
            while pos < n and text[pos] in SPACE and text[pos] != sep:
                pos += 1
            return sep, pos
    return default, pos


def list_separator_of(text: str) -> str:
    """The separator list_items would use for *text* (``:`` unless ``<x`` names one)."""
    return list_separator(text)[0]


def next_in_list(text: str, pos: int, sep: str) -> tuple[str | None, int]:
    """One step of Exim's string_nextinlist: the item at *pos* and the position just after
    its separator (where Exim leaves its pointer), or (None, end) when no item is left.

    Leading white space is skipped. A doubled separator stands for one inside the item,
    unless it is a control character. Trailing white space is removed unless a backslash
    escapes it.
    """
    n = len(text)
    while pos < n and text[pos] in SPACE and text[pos] != sep:
        pos += 1
    if pos >= n:
        return None, pos
    special = sep in CNTRL
    if text[pos] == sep:
        pos += 1
        if pos >= n or text[pos] != sep or special:
            return "", pos
    chunks = []
    while True:
        end = text.find(sep, pos + 1)
        if end < 0:
            end = n
        chunks.append(text[pos:end])
        pos = end
        if pos >= n:
            break
        pos += 1
        if pos >= n or text[pos] != sep or special:
            break
    item = "".join(chunks)
    end = len(item)
    while end > 0 and item[end - 1] in SPACE and (end == 1 or item[end - 2] != "\\"):
        end -= 1
    return item[:end], pos


def list_items(text: str, sep: str | None = None, *, default: str = ":",
               buffer_size: int = 0) -> Iterator[str]:
    """The items of an Exim list (Exim's string_nextinlist, called until it ends).

    With *sep* None the separator is *default* (Exim's 0 or negative separator) unless
    the list starts with ``<`` and a punctuation or control character, which then
    becomes the separator; a *sep* given is fixed (Exim's positive separator). Pass
    ``SINGLE_ITEM`` to take the whole text as one item. With *buffer_size*, items are
    cut to ``buffer_size - 1`` characters and lose all trailing white space, as when
    Exim's caller supplies a fixed buffer. Items of a tainted list are tainted.
    """
    pos = 0
    if sep is None:
        sep, pos = list_separator(text, 0, default)
    tainted = isinstance(text, Tainted)
    while True:
        item, pos = next_in_list(text, pos, sep)
        if item is None:
            return
        if buffer_size:
            item = item[:buffer_size - 1].rstrip(C_SPACE)
        yield Tainted(item) if tainted else item


def append_list_element(current: str | None, sep: str, element: str) -> str:
    """Exim's string_append_listele: *current* with *element* added, any separator
    inside *element* doubled (no separator before the first element)."""
    doubled = element.replace(sep, sep + sep)
    return doubled if not current else current + sep + doubled


# ---------------------------------------------------------------------------
# Numbers

_DIGIT_VALUES = {ch: int(ch, 36)
                 for ch in "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def strtol(text: str, base: int = 10, pos: int = 0) -> tuple[int, int, bool]:
    """C strtol at *pos*: (value, index after the number, overflowed).

    Leading white space and a sign are accepted. Base 0 reads ``0x`` hex, ``0`` octal or
    decimal, as C does; base 16 also skips a ``0x`` prefix. With no digits the value is 0
    and the index is *pos* (C's endptr = nptr). On overflow the value is clamped to the
    range of a 64-bit long, as C does.
    """
    n = len(text)
    p = pos
    while p < n and text[p] in SPACE:
        p += 1
    sign = 1
    if p < n and text[p] in "+-":
        sign = -1 if text[p] == "-" else 1
        p += 1
    hex_prefix = text[p:p + 2] in ("0x", "0X") and p + 2 < n and text[p + 2] in XDIGITS
    if base == 0:
        base = 16 if hex_prefix else 8 if text[p:p + 1] == "0" else 10
    if base == 16 and hex_prefix:
        p += 2
    start = p
    value = 0
    while p < n:
        digit = _DIGIT_VALUES.get(text[p], base)
        if digit >= base:
            break
        value = value * base + digit
        p += 1
    if p == start:
        return 0, pos, False
    value *= sign
    overflow = not (-(1 << 63) <= value < (1 << 63))
    if overflow:
        value = (1 << 63) - 1 if sign > 0 else -(1 << 63)
    return value, p, overflow


def c_int32(value: int) -> int:
    """*value* wrapped to a C int (32-bit two's complement)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def c_int64(value: int) -> int:
    """*value* wrapped to int64 (Exim's int_eximarith_t)."""
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value & 0x8000000000000000 else value
