"""String tests of Exim filters as Exim's C helpers perform them (Exim: string.c, filter.c).

Text is Exim's bytes, one character per byte (see pyexim.strings); case
folding is the C locale's, ASCII letters only.
"""

from __future__ import annotations

import re

from pyexim.strings import SPACE, c_int32, lower


def strstric(haystack: str, needle: str) -> int:
    """Exim's strstric(): where *needle* occurs in *haystack* ignoring case, or -1.

    Exim's loop does not back up after a partial match: on a mismatch it starts again
    at the current character, so "aab" is not found in "aaab", and an empty needle is
    never found. Both are copied on purpose (``if $x contains ...`` in Exim filters).
    """
    if not needle:
        return -1
    hay, pat = lower(haystack), lower(needle)
    start = -1
    p = 0
    i = 0
    while i < len(hay):
        if hay[i] == pat[p]:
            if start < 0:
                start = i
            p += 1
            if p == len(pat):
                return start
            i += 1
        elif start >= 0:
            start, p = -1, 0
        else:
            i += 1
    return -1


def get_number(text: str) -> int | None:
    """Exim filter numbers for ``above``/``below``: sscanf ``%i`` with K and M suffixes.

    Returns None when *text* is not entirely a number (trailing white space is allowed).
    """
    match = re.match(r"[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", text)
    if match is None:
        return None
    digits = match.group(2)
    base = 16 if digits[:2].lower() == "0x" else 8 if digits.startswith("0") else 10
    # C int arithmetic: the value and the K/M multiplications wrap at 32 bits.
    value = c_int32(int(digits, base) * (-1 if match.group(1) == "-" else 1))
    rest = text[match.end():]
    if rest[:1].lower() == "k":
        value, rest = c_int32(value * 1024), rest[1:]
    if rest[:1].lower() == "m":
        value, rest = c_int32(value * 1024 * 1024), rest[1:]
    if rest.strip("".join(SPACE)):
        return None
    return value
