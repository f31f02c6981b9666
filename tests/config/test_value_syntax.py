"""Exim's value syntax on its own: times, quoted strings, printing escapes, lists, rewrite rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyexim.config.value_syntax import (
    parse_rewrite_rule,
    printable,
    read_string,
)
from pyexim.strings import list_items as iter_list
from pyexim.timevalue import format_time, read_time


@pytest.mark.parametrize("text,seconds", [
    ("0s", 0), ("45s", 45), ("2m", 120), ("1h30m", 5400), ("1d", 86400), ("1w", 604800),
    ("1w2d3h4m5s", 788645), ("30m1h", 5400), ("1h1h", 7200),
    ("10", -1), ("1h30", -1), ("", -1), ("h", -1), ("1.5s", -1), ("1x", -1), ("-1s", -1),
])
def test_read_time(text: str, seconds: int) -> None:
    assert read_time(text) == seconds


@pytest.mark.parametrize("seconds,text", [
    (0, "0s"), (59, "59s"), (60, "1m"), (3601, "1h1s"), (86400, "1d"), (788645, "1w2d3h4m5s"),
    (6048000, "10w"), (-90, "-1m30s"),
])
def test_format_time(seconds: int, text: str) -> None:
    assert format_time(seconds) == text


@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_time_round_trip(seconds: int) -> None:
    assert read_time(format_time(seconds)) == seconds


@pytest.mark.parametrize("text,value", [
    ("plain words", "plain words"),
    ('"a\\tb"', "a\tb"),
    ('"\\101\\x42\\q"', "ABq"),
    ('"\\777"', "\xff"),         # octal escapes wrap to a byte
    ('"ab\\x"', "ab"),           # \x with no digits is NUL: the value ends there
    ('"abc\\"', 'abc"'),         # an escaped final quote passes Exim's check
    ('""', ""),
])
def test_read_string(text: str, value: str) -> None:
    assert read_string(text, "x") == value


@pytest.mark.parametrize("text,reason", [
    ('"abc', "missing quote at end of string value for x"),
    ('"', "missing quote at end of string value for x"),
    ('"a" b', "extra characters follow string value for x"),
    ('"a"#b', "extra characters follow string value for x (# is comment only at line start)"),
])
def test_read_string_errors(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=f"^{reason.replace('(', '.').replace(')', '.')}$"):
        read_string(text, "x")


@pytest.mark.parametrize("text,shown", [
    ("abc", "abc"), ("a\tb", "a\\tb"), ("a\nb\r", "a\\nb\\r"), ("\x01\x7f", "\\001\\177"),
    ("caf\u00e9", "caf\\303\\251"), ("caf\udce9", "caf\\351"),
])
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_printable_topbit_and_tabs() -> None:
    assert printable("caf\u00e9", topbit=True) == "caf\u00e9"
    assert printable("a\tb", tabs=False) == "a\tb"


@pytest.mark.parametrize("text,items", [
    ("a:b:c", ["a", "b", "c"]), (" a : b ", ["a", "b"]), ("a::b", ["a:b"]), ("", []),
    ("<; a ; b", ["a", "b"]), ("<;a:b;c", ["a:b", "c"]), ("a:", ["a"]), (":a", ["", "a"]),
])
def test_iter_list(text: str, items: list[str]) -> None:
    assert list(iter_list(text)) == items


@pytest.mark.parametrize("rule,is_global,result", [
    ("a@b c@d", True, ("a@b", "c@d", "")),
    ('*@x "$1@y" Fs', True, ("*@x", "$1@y", "Fs")),
    ("^a b S", True, ("^a", "b", "S")),
    ("a@b c@d h", False, ("a@b", "c@d", "h")),
])
def test_parse_rewrite_rule(rule: str, is_global: bool, result: tuple[str, str, str]) -> None:
    assert parse_rewrite_rule(rule, is_global=is_global) == result


@pytest.mark.parametrize("rule,is_global,reason", [
    ("a@b", True, "missing rewrite replacement string"),
    ("a b Z", True, ("unknown rewrite flag character 'Z' (could be missing quotes round "
                     "replacement item)")),
    ("a b S", True, "rewrite rule has the S flag but is not a regular expression"),
    ("a b E", False, ("rewrite rule specifies a non-header rewrite - not allowed at transport "
                      "time -")),
])
def test_parse_rewrite_rule_errors(rule: str, is_global: bool, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_rewrite_rule(rule, is_global=is_global)
    assert str(caught.value) == reason
