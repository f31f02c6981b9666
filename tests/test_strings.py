"""Exim's string.c helpers on byte text (pyexim.strings): escapes, printing, dequoting, lists,
strtol.

The list cases of the callers (pyexim.lists, the configuration) are in tests/test_lists.py and
tests/config/test_value_syntax.py."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyexim.strings import (
    append_list_element,
    dequote,
    interpret_escape,
    list_items,
    list_separator,
    next_in_list,
    printing,
    strtol,
    unprinting,
)
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


@pytest.mark.parametrize("text,default,items", [
    ("a;b:c", ";", ["a", "b:c"]),
    ("<, a,b", ";", ["a", "b"]),            # "<x" still names the separator
    ("  <", ";", []),                        # a lone "<": the NUL separator, no items
])
def test_list_items_default_separator(text: str, default: str, items: list[str]) -> None:
    assert list(list_items(text, default=default)) == items


def test_list_items_fixed_separator_ignores_angle() -> None:
    assert list(list_items("<;a;b", ":")) == ["<;a;b"]


def test_list_items_buffer_size() -> None:
    # Exim's fixed buffer: cut to size - 1, then all trailing white space goes.
    assert list(list_items("abcdef : x\\ : y", buffer_size=4)) == ["abc", "x\\", "y"]


def test_next_in_list_leaves_the_rest() -> None:
    text = "<; host ; 99 ;  the: rest ; more"
    sep, pos = list_separator(text)
    host, pos = next_in_list(text, pos, sep)
    port, pos = next_in_list(text, pos, sep)
    assert (sep, host, port, text[pos:]) == (";", "host", "99", "  the: rest ; more")
    assert next_in_list(text, len(text), sep) == (None, len(text))


def test_list_items_taint() -> None:
    assert all(is_tainted(item) for item in list_items(Tainted("a : b")))
    assert not any(is_tainted(item) for item in list_items("a : b"))


@pytest.mark.parametrize("current,element,result", [
    (None, "a", "a"), ("", "a:b", "a::b"), ("x", "a:b", "x:a::b"),
])
def test_append_list_element(current: str | None, element: str, result: str) -> None:
    assert append_list_element(current, ":", element) == result


@given(st.lists(st.text(alphabet="ab:; ", min_size=1).map(str.strip).filter(
    lambda item: item and not item.startswith(":")), max_size=5))
def test_append_list_element_round_trip(elements: list[str]) -> None:
    # Items without white space at either end come back as they went in, unless one
    # starts with the separator (Exim's lists cannot tell that from an empty item).
    joined = None
    for element in elements:
        joined = append_list_element(joined, ":", element)
    assert list(list_items(joined or "")) == (elements if joined else [])


@pytest.mark.parametrize("text,base,pos,result", [
    ("  42rest", 10, 0, (42, 4, False)),
    ("-17", 10, 0, (-17, 3, False)),
    ("0x1fg", 0, 0, (31, 4, False)),
    ("0x1f", 16, 0, (31, 4, False)),
    ("0xg", 0, 0, (0, 1, False)),          # "0x" without a hex digit: just the 0
    ("017", 0, 0, (15, 3, False)),
    ("089", 0, 0, (0, 1, False)),          # octal stops at 8
    ("x", 10, 0, (0, 0, False)),           # no digits: C's endptr = nptr
    ("a.b.12", 10, 4, (12, 6, False)),
    ("a.b.x", 10, 4, (0, 4, False)),
    ("99999999999999999999", 10, 0, ((1 << 63) - 1, 20, True)),
    ("-99999999999999999999", 10, 0, (-(1 << 63), 21, True)),
])
def test_strtol(text: str, base: int, pos: int, result: tuple[int, int, bool]) -> None:
    assert strtol(text, base, pos) == result
