"""Log timestamps (Exim: tod.c tod_stamp) and the small text helpers log lines share."""

from __future__ import annotations

import time

from pyexim.log.selector import LogSelector
from pyexim.message import decode, encode
from pyexim.strings import from_engine, printing, to_engine
from pyexim.timevalue import format_time


def zone_offset(when: float, *, utc: bool = False) -> str:
    """The "+hhmm" of local time at *when*, computed as tod.c does.

    Quirk kept: an offset of minus less than an hour prints with a plus sign (-0030
    shows as "+0030"), because the sign is carried by the hour alone.
    """
    if utc:
        return "+0000"
    local = time.localtime(when)
    gmt = time.gmtime(when)
    if local.tm_sec != gmt.tm_sec:
        return "+0000"
    minutes = 60 * (local.tm_hour - gmt.tm_hour) + local.tm_min - gmt.tm_min
    if local.tm_year != gmt.tm_year:
        minutes += 1440 if local.tm_year > gmt.tm_year else -1440
    elif local.tm_yday != gmt.tm_yday:
        minutes += 1440 if local.tm_yday > gmt.tm_yday else -1440
    hours = int(minutes / 60)                    # C division truncates towards zero
    return f"{hours:+03d}{abs(minutes - hours * 60):02d}"


def log_timestamp(when: float, *, millisec: bool = False, with_zone: bool = False,
                  utc: bool = False) -> str:
    """A log line's timestamp: ``YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm]`` in local time or UTC.

    *with_zone* is ``log_timezone``; *utc* is ``timezone = UTC``-style timestamps_utc.
    """
    seconds = int(when)
    t = time.gmtime(seconds) if utc else time.localtime(seconds)
    if with_zone and not utc and time.localtime(seconds).tm_sec != time.gmtime(seconds).tm_sec:
        t = time.gmtime(seconds)                 # sub-minute offsets: pretend UTC
    text = time.strftime("%Y-%m-%d %H:%M:%S", t)
    if millisec:
        text += f".{round((when - seconds) * 1_000_000) // 1000:03d}"
    if with_zone:
        text += " " + zone_offset(seconds, utc=utc)
    return text


def datestamp(when: float, monthly: bool, utc: bool) -> str:
    t = time.gmtime(when) if utc else time.localtime(when)
    return time.strftime("%Y%m" if monthly else "%Y%m%d", t)


def string_printing(text: str, *, escape_tab: bool = False, escape_space: bool = False,
                    top_bit_chars: bool = False) -> str:
    """Exim's string_printing2() (pyexim.strings.printing) on the bytes of *text*.

    *escape_tab* and *escape_space* are SP_TAB and SP_SPACE; *top_bit_chars* is
    ``print_topbitchars``.
    """
    return from_engine(printing(to_engine(text), tabs=escape_tab, spaces=escape_space,
                                print_topbitchars=top_bit_chars))


def time_diff(seconds: float, selector: LogSelector) -> str:
    """string_timediff(): "0.123s" under millisec for less than 5 s, else readconf_printtime."""
    whole = int(seconds)
    if whole >= 5 or "millisec" not in selector:
        return format_time(whole)
    return f"{whole}.{int((seconds - whole) * 1_000_000) // 1000:03d}s"


def quoted_text(text: str, limit: int) -> str:
    """A C-like "quoted" string of at most *limit* bytes (T= and C= items)."""
    raw = encode(text)[:limit]
    escaped = raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
    return '"' + decode(escaped) + '"'
