"""Message ids: layout, base 62, localhost_number, and the once-per-tick rule."""

from __future__ import annotations

import pytest

from pyexim.spool.msgid import (
    EXIM_4_96,
    EXIM_4_97,
    MessageIdGenerator,
    base62,
    base62_value,
    external_id,
    id_format_of,
    is_message_id,
    make_message_id,
    parse_message_id,
    spool_subdirectory,
)


def test_base62_round_trip_and_width() -> None:
    assert base62(0) == "000000"
    assert base62(61, 2) == "0z"
    assert base62(62 ** 6 + 5) == "000005"          # high digits dropped, as Exim does
    assert base62_value("1xW98n") == 1795598293
    with pytest.raises(ValueError):
        base62_value("ab-c")


# An id real Exim 4.96 wrote (oracle sandbox): received .050323 s past 1795598293, pid 12226.
def test_make_message_id_matches_exim_4_96() -> None:
    assert make_message_id(1795598293, 50323, 12226) == "1xW98n-0003BC-0A"


@pytest.mark.parametrize("host,expected_fraction", [(0, "00"), (1, "3E"), (16, "pc")])
def test_localhost_number_offsets_the_fraction(host: int, expected_fraction: str) -> None:
    # fraction = host * 200 + usec / 5000
    mid = make_message_id(1795598293, 0, 1, localhost_number=host)
    assert mid.endswith("-" + expected_fraction)
    assert base62_value(expected_fraction) == host * 200


def test_localhost_number_range() -> None:
    with pytest.raises(ValueError):
        make_message_id(0, 0, 1, localhost_number=17)


def test_4_97_layout() -> None:
    mid = make_message_id(1795598293, 123456, 4_000_000_000, fmt=EXIM_4_97)
    assert len(mid) == 23 and is_message_id(mid, EXIM_4_97) and not is_message_id(mid)
    parts = parse_message_id(mid)
    assert (parts.seconds, parts.microseconds, parts.pid) == (1795598293, 123456, 4_000_000_000)
    assert id_format_of(mid) is EXIM_4_97
    assert EXIM_4_97.data_start_offset == 26 and EXIM_4_96.data_start_offset == 19


def test_parse_message_id_with_host_number() -> None:
    mid = make_message_id(100, 25000, 7, localhost_number=3)
    parts = parse_message_id(mid, localhost_number_set=True)
    assert (parts.seconds, parts.microseconds, parts.pid, parts.localhost_number) == (
        100, 25000, 7, 3)


@pytest.mark.parametrize("text,ok", [("1xW98n-0003BC-0A", True), ("1xW98n-0003BC-0", False),
                                     ("1xW98n_0003BC-0A", False), ("1xW98n-0003B!-0A", False)])
def test_is_message_id(text: str, ok: bool) -> None:
    assert is_message_id(text) is ok


def test_subdirectory_and_external_form() -> None:
    assert spool_subdirectory("1xW98n-0003BC-0A") == "n"
    assert external_id("1xW98n-0003BC-0A") == "E1xW98n-0003BC-0A"


def test_generator_waits_for_the_next_tick() -> None:
    now = [1000, 1000]                               # seconds, microseconds
    slept: list[float] = []

    def clock() -> tuple[int, int]:
        return now[0], now[1]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[1] += round(seconds * 1_000_000)

    gen = MessageIdGenerator(pid=42, clock=clock, sleep=sleep)
    first = gen.next_id()
    second = gen.next_id()
    assert first != second
    assert slept and abs(sum(slept) - 0.004) < 1e-9    # from 1000 us to the next 5000 us tick
    assert parse_message_id(second).microseconds == 5000
