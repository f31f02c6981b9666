"""Sieve comparators and match types (RFC 5228 2.7, RFC 4790) with Exim's own rules."""

from __future__ import annotations

import pytest

from pyexim.filter.sieve_match import (
    Comparator, MatchError, MatchType, ascii_numeric, compare, glob_match)

OCTET, CASEMAP, NUMERIC = Comparator.OCTET, Comparator.ASCII_CASEMAP, Comparator.ASCII_NUMERIC
IS, CONTAINS, MATCHES = MatchType.IS, MatchType.CONTAINS, MatchType.MATCHES


@pytest.mark.parametrize("pattern, subject, caseless, result", [
    ("*", "", False, True),
    ("a*c", "abbbc", False, True),
    ("a*c", "abbbd", False, False),
    ("a?c", "abc", False, True),
    ("a?c", "ac", False, False),
    ("*x*", "aaxbb", False, True),
    ("A*", "abc", True, True),
    ("A*", "abc", False, False),
    ("\\*", "*", False, True),
    ("\\?*\\*", "?a*", False, True),
    ("*.example", "a.b.example", False, True),
    ("a*b*c", "aXbYbZc", False, True),
    ("?", "\xc3\xbc", False, False),     # one octet, not one UTF-8 character
], ids=lambda value: repr(value))
def test_glob(pattern: str, subject: str, caseless: bool, result: bool) -> None:
    assert glob_match(pattern, subject, caseless) is result


def test_glob_trailing_backslash_is_an_error() -> None:
    with pytest.raises(MatchError, match="syntactically invalid pattern"):
        glob_match("abc\\", "abc", False)


@pytest.mark.parametrize("a, b, order", [
    ("42", "42", 0), ("42", "0042", -1), ("7", "10", -1), ("x", "", 0), ("1", "x", -1),
    ("x", "1", 1), ("12abc", "12", 0),
])
def test_ascii_numeric(a: str, b: str, order: int) -> None:
    assert ascii_numeric(a, b) == order


@pytest.mark.parametrize("needle, haystack, comparator, match, result", [
    ("ABC", "abc", CASEMAP, IS, True),
    ("ABC", "abc", OCTET, IS, False),
    ("", "", CASEMAP, IS, True),
    ("", "abc", CASEMAP, CONTAINS, True),
    ("", "", CASEMAP, CONTAINS, False),       # Exim never tries an empty haystack
    ("B", "abc", CASEMAP, CONTAINS, True),
    ("B", "abc", OCTET, CONTAINS, False),
    ("42", "0042", NUMERIC, IS, False),
])
def test_compare(needle: str, haystack: str, comparator: Comparator, match: MatchType,
                 result: bool) -> None:
    assert compare(needle, haystack, comparator, match, numeric_allowed=True) is result


@pytest.mark.parametrize("comparator, match, allowed, message", [
    (NUMERIC, IS, False, 'missing previous require "comparator-i;ascii-numeric";'),
    (NUMERIC, CONTAINS, True, "comparator does not offer specified matchtype"),
    (NUMERIC, MATCHES, True, "comparator does not offer specified matchtype"),
])
def test_compare_errors(comparator: Comparator, match: MatchType, allowed: bool,
                        message: str) -> None:
    with pytest.raises(MatchError) as caught:
        compare("1", "1", comparator, match, numeric_allowed=allowed)
    assert str(caught.value) == message
