"""Exim's string.c helpers on byte text: escapes, printing, dequoting (pyexim.strings)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyexim.strings import dequote, interpret_escape, printing, unprinting
from pyexim.taint import Tainted, is_tainted


@pytest.mark.parametrize("text,pos,result", [
    ("\\n", 0, ("\n", 1)),
    ("\\101x", 0, ("A", 3)),
    ("\\0", 0, ("\0", 1)),
    ("\\777", 0, ("\xff", 3)),          # 511 & 0xff, as Exim's cast to a byte
    ("\\18", 0, ("\x01", 1)),           # 8 is not an octal digit
    ("\\x41", 0, ("A", 3)),
    ("\\xfg", 0, ("\x0f", 2)),
    ("\\xg", 0, ("\0", 1)),             # no hex digit: NUL
    ("\\q", 0, ("q", 1)),
    ("a\\", 1, ("\\", 1)),              # a trailing backslash stands for itself
])
def test_interpret_escape(text: str, pos: int, result: tuple[str, int]) -> None:
    assert interpret_escape(text, pos) == result


@pytest.mark.parametrize("text,shown", [
    ("abc", "abc"),
    ("a\tb", "a\tb"),
    ("a\nb\r\x08\x0b\x0c", "a\\nb\\r\\b\\v\\f"),
    ("\x01\x7f\xe9", "\\001\\177\\351"),
    ("back\\slash", "back\\slash"),
])
def test_printing(text: str, shown: str) -> None:
    assert printing(text) == shown


def test_printing_variants() -> None:
    assert printing("a b\tc", tabs=True, spaces=True) == "a\\040b\\tc"
    assert printing("caf\xe9", print_topbitchars=True) == "caf\xe9"
    assert is_tainted(printing(Tainted("a\nb")))
    assert not is_tainted(printing("a\nb"))


@given(st.text(alphabet=st.characters(max_codepoint=255)))
def test_unprinting_reverses_printing(text: str) -> None:
    shown = printing(text, tabs=True, spaces=True)
    assert "\\" in text or unprinting(shown) == text


@pytest.mark.parametrize("text,result", [
    ("plain", "plain"), ("a\\tb", "a\tb"), ("\\x41\\102", "AB"), ("end\\", "end\\"),
])
def test_unprinting(text: str, result: str) -> None:
    assert unprinting(text) == result


@pytest.mark.parametrize("text,pos,result", [
    ("word rest", 0, ("word", 4)),
    ('"a b" rest', 0, ("a b", 5)),
    ('"a\\"b"', 0, ('a"b', 6)),
    ('"open', 0, ("open", 5)),          # a missing closing quote is tolerated
    ("x  \"q\\n\"", 3, ("q\n", 8)),
    ("", 0, ("", 0)),
])
def test_dequote(text: str, pos: int, result: tuple[str, int]) -> None:
    assert dequote(text, pos) == result
