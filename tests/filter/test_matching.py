"""Exim's C string helpers as the filter conditions use them."""

from __future__ import annotations

import pytest

from pyexim.filter import filter_kind
from pyexim.filter.matching import get_number, strstric


@pytest.mark.parametrize("haystack, needle, index", [
    ("Hello", "ELL", 1), ("aaab", "aab", -1), ("x", "", -1), ("", "a", -1), ("abcabd", "abd", 3),
])
def test_strstric_keeps_exims_quirks(haystack: str, needle: str, index: int) -> None:
    assert strstric(haystack, needle) == index


@pytest.mark.parametrize("text, value", [
    ("12", 12), ("12k", 12288), ("1M", 1048576), ("0x10", 16), ("010", 8), (" 17 ", 17),
    ("-3", -3), ("1km", 1073741824), ("abc", None), ("12x", None), ("", None),
])
def test_get_number(text: str, value: int | None) -> None:
    assert get_number(text) == value


@pytest.mark.parametrize("text, kind", [
    ("# Exim filter\n", "exim"), ("\n\n  #EXIM   FILTER\n", "exim"), ("# Sieve filter", "sieve"),
    ("#Sieve filter\n", "sieve"), ("# Exim  filter-ish", "exim"), ("a@b\n", "forward"),
    ("# Eximfilter", "exim"), ("## Exim filter", "forward"), ("#\tExim\t filter", "exim"),
    ("# Exim", "forward"), ("# Exim filte", "forward"), ("# Exim\nfilter", "forward"),
    ("# Ex\u0130m filter", "forward"),
])
def test_filter_kind(text: str, kind: str) -> None:
    assert filter_kind(text) == kind
