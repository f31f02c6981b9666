"""Exim message ids (spec: "Message identification"; Exim: receive.c, string.c).

A 4.96 id is ``tttttt-pppppp-ff``: base-62 seconds, base-62 process id, and a
two-digit base-62 fraction of the second in units of 1/200 s (5,000 us), to which
``localhost_number * 200`` is added when that option is set. Exim 4.97 widened the id
to 23 characters, ``tttttt-ppppppppppp-ffff`` (11-digit pid, 4-digit fraction in units
of 1 us, or 2 us with localhost_number). pyexim writes the 4.96 form; the 4.97 form is
behind the ``format`` switch. Everything that knows the layout lives in this module.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable

from pyexim.record import record

BASE62_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DIGIT_VALUE = {c: i for i, c in enumerate(BASE62_DIGITS)}


def base62(value: int, width: int = 6) -> str:
    """*value* as exactly *width* base-62 digits (high digits dropped, as string_base62 does)."""
    digits = []
    for _ in range(width):
        value, digit = divmod(value, 62)
        digits.append(BASE62_DIGITS[digit])
    return "".join(reversed(digits))


def base62_value(text: str) -> int:
    """The number written in base 62 by *text*; ValueError for a non-base-62 character."""
    value = 0
    for char in text:
        digit = _DIGIT_VALUE.get(char)
        if digit is None:
            raise ValueError(f"{char!r} is not a base-62 digit")
        value = value * 62 + digit
    return value


@record(frozen=True, slots=True)
class IdFormat:
    """One generation of Exim's message-id layout."""

    name: str
    pid_len: int
    fraction_len: int
    resolution_us: int              # microseconds per fraction unit without localhost_number
    host_resolution_us: int         # ... with localhost_number set
    time_len: int = 6

    @property
    def length(self) -> int:
        return self.time_len + 1 + self.pid_len + 1 + self.fraction_len

    @property
    def data_start_offset(self) -> int:
        """Bytes of the -D file's first line ("ID-D\\n"): where the body starts."""
        return self.length + 3

    def resolution(self, localhost_number: int | None) -> int:
        return self.resolution_us if localhost_number is None else self.host_resolution_us


EXIM_4_96 = IdFormat("4.96", pid_len=6, fraction_len=2, resolution_us=5000,
                     host_resolution_us=5000)
EXIM_4_97 = IdFormat("4.97", pid_len=11, fraction_len=4, resolution_us=1, host_resolution_us=2)
DEFAULT_FORMAT = EXIM_4_96

# Largest localhost_number Exim accepts with base-62 ids (exim.h LOCALHOST_MAX).
LOCALHOST_MAX = 16


def _id_regex(fmt: IdFormat) -> re.Pattern[str]:
    return re.compile(rf"[0-9A-Za-z]{{{fmt.time_len}}}-[0-9A-Za-z]{{{fmt.pid_len}}}"
                      rf"-[0-9A-Za-z]{{{fmt.fraction_len}}}")


_ID_REGEX = {fmt.name: _id_regex(fmt) for fmt in (EXIM_4_96, EXIM_4_97)}


def is_message_id(text: str, fmt: IdFormat = DEFAULT_FORMAT) -> bool:
    """True when *text* is a message id in *fmt*'s layout."""
    return _ID_REGEX[fmt.name].fullmatch(text) is not None


def make_message_id(seconds: int, microseconds: int, pid: int, *,
                    localhost_number: int | None = None, fmt: IdFormat = DEFAULT_FORMAT) -> str:
    """The id Exim builds for a message received at *seconds*.*microseconds* by *pid*.

    ValueError when localhost_number is outside 0..16.
    """
    if localhost_number is not None and not 0 <= localhost_number <= LOCALHOST_MAX:
        raise ValueError(f"localhost_number {localhost_number} is outside 0-{LOCALHOST_MAX}")
    resolution = fmt.resolution(localhost_number)
    fraction = microseconds // resolution
    if localhost_number is not None:
        fraction += localhost_number * (1_000_000 // resolution)
    return (f"{base62(seconds, fmt.time_len)}-{base62(pid, fmt.pid_len)}"
            f"-{base62(fraction, fmt.fraction_len)}")


@record(frozen=True, slots=True)
class IdParts:
    """What an id says: when (to the id's resolution), which process, which host number."""

    seconds: int
    microseconds: int
    pid: int
    localhost_number: int | None


def id_format_of(message_id: str) -> IdFormat:
    """The layout *message_id* is written in; ValueError when it is neither."""
    for fmt in (EXIM_4_96, EXIM_4_97):
        if is_message_id(message_id, fmt):
            return fmt
    raise ValueError(f"{message_id!r} is not an Exim message id")


def parse_message_id(message_id: str, *, localhost_number_set: bool = False) -> IdParts:
    """Decode an id of either layout; ValueError when it is not one.

    Whether the fraction holds a host number cannot be seen in the id itself; say so
    with *localhost_number_set* (the config's ``localhost_number`` is set).
    """
    fmt = id_format_of(message_id)
    time_part, pid_part, fraction_part = message_id.split("-")
    fraction = base62_value(fraction_part)
    resolution = fmt.resolution(0 if localhost_number_set else None)
    host: int | None = None
    if localhost_number_set:
        host, fraction = divmod(fraction, 1_000_000 // resolution)
    return IdParts(base62_value(time_part), fraction * resolution, base62_value(pid_part), host)


def spool_subdirectory(message_id: str) -> str:
    """The split_spool_directory subdirectory of *message_id*: its 6th character.

    That is the least significant digit of the arrival second, so the 62 subdirectories
    fill evenly.
    """
    return message_id[5]


def external_id(message_id: str) -> str:
    """The id as Message-Id: headers and $message_exim_id's callers show it (leading "E")."""
    return "E" + message_id


class MessageIdGenerator:
    """Ids for one process, unique as Exim's are: time + pid, and never two in one tick.

    Exim waits, after using an id, until the clock has moved past the id's time unit
    (exim_wait_tick), so that the same pid can never produce the same id twice, even if
    the pid is reused within the same unit. *clock* returns (seconds, microseconds);
    *sleep* waits that many seconds. Both are injectable for tests.
    """

    def __init__(self, *, pid: int | None = None, localhost_number: int | None = None,
                 fmt: IdFormat = DEFAULT_FORMAT,
                 clock: Callable[[], tuple[int, int]] | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.pid = os.getpid() if pid is None else pid
        self.localhost_number = localhost_number
        self.fmt = fmt
        self._clock = clock or _system_clock
        self._sleep = sleep
        self._last_tick: tuple[int, int] | None = None

    def _now_tick(self) -> tuple[int, int, int]:
        seconds, micros = self._clock()
        resolution = self.fmt.resolution(self.localhost_number)
        return seconds, micros, micros // resolution

    def next_id(self) -> str:
        """A fresh id; waits (briefly) if the previous id's time unit has not passed."""
        seconds, micros, unit = self._now_tick()
        resolution = self.fmt.resolution(self.localhost_number)
        while self._last_tick is not None and (seconds, unit) <= self._last_tick:
            last_seconds, last_unit = self._last_tick
            gap_us = (last_seconds - seconds) * 1_000_000 + (last_unit + 1) * resolution - micros
            self._sleep(max(gap_us, 1) / 1_000_000)
            seconds, micros, unit = self._now_tick()
        self._last_tick = (seconds, unit)
        return make_message_id(seconds, micros, self.pid,
                               localhost_number=self.localhost_number, fmt=self.fmt)


def _system_clock() -> tuple[int, int]:
    now = time.time_ns() // 1000
    return now // 1_000_000, now % 1_000_000
