"""Exim's time values: ``1w2d3h4m5s`` read and printed (Exim: readconf.c readconf_readtime,
readconf_printtime).

Used by the configuration's option types, ACL conditions, expansion operators, lookups,
filters, log lines and the command line (-q30m, -or, -os, -bw), so it sits below them all.
"""

from __future__ import annotations

from pyexim.strings import DIGITS, c_int32, span

_TIME_MULTIPLIERS = {"w": 7 * 24 * 3600, "d": 24 * 3600, "h": 3600, "m": 60, "s": 1}


def read_time(text: str, terminator: str = "") -> int:
    """readconf_readtime: ``[<n>w][<n>d][<n>h][<n>m][<n>s]`` (units in any order, repeatable).

    Returns seconds, or -1 when the text is not a time. Every number needs its unit
    letter, so ``1h30`` is not a time; the text must end just before *terminator* (or
    at its end, for ""). The sum is a C int, as in Exim (it wraps).
    """
    total = 0
    pos = 0
    n = len(text)
    while True:
        if pos >= n or text[pos] not in DIGITS:
            return -1
        start = pos
        pos = span(text, DIGITS, pos)
        multiplier = _TIME_MULTIPLIERS.get(text[pos:pos + 1])
        if multiplier is None:
            return -1
        total = c_int32(total + int(text[start:pos]) * multiplier)
        pos += 1
        if text[pos:pos + 1] == terminator:
            return total


def format_time(seconds: int) -> str:
    """readconf_printtime: ``1w2d3h4m5s`` with zero parts left out, ``0s`` for zero."""
    sign = ""
    if seconds < 0:
        sign, seconds = "-", -seconds
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if seconds or not parts:
        parts.append(f"{seconds}s")
    return sign + "".join(parts)
