"""pyexim.regex: PCRE2 syntax and options on Python's re."""

from __future__ import annotations

import pytest

from pyexim.regex import RegexError, compile_pcre, groups_of


@pytest.mark.parametrize("pattern,subject,caseless,groups", [
    ("^abc$", "abc\n", False, []),            # $ matches before a final newline
    ("^abc\\Z", "abc\n", False, []),
    ("^abc\\z", "abc", False, []),
    ("^\\Qa.b\\E$", "a.b", False, []),
    ("^[[:alpha:]]+$", "abcXYZ", False, []),
    ("^[[:digit:][:space:]]+$", "1 2", False, []),
    ("^(?<word>\\w+) \\k<word>$", "ab ab", False, ["ab"]),
    ("^(a)\\g{1}$", "aa", False, ["a"]),
    ("^\\x{41}$", "A", False, []),
    ("^\\e$", "\x1b", False, []),
    ("^a\\h+b$", "a \tb", False, []),
    ("^\\N+$", "abc", False, []),
    ("^(?-i)AbC$", "AbC", True, []),
    ("^[]a]+$", "]a]", False, []),
    ("^(a)(x)?$", "a", False, ["a", ""]),     # unset groups are empty
    ("^\\w+$", "caf\xe9", False, None),        # ASCII classes, as PCRE's C tables
    ("^CAF$", "caf", True, []),
])
def test_patterns(pattern: str, subject: str, caseless: bool, groups: list[str] | None) -> None:
    m = compile_pcre(pattern, caseless).search(subject)
    if groups is None:
        assert m is None
    else:
        assert m is not None and groups_of(m) == groups


def test_inline_options_scope() -> None:
    rx = compile_pcre("a(?i)b|c")
    assert [bool(rx.fullmatch(s)) for s in ("aB", "C", "AB", "ac")] == [True, True, False,
                                                                          False]
    assert compile_pcre("(x(?i)y)z").fullmatch("xYz")
    assert not compile_pcre("(x(?i)y)z").fullmatch("xYZ")


@pytest.mark.parametrize("pattern,message,offset", [
    ("(ab", "missing closing parenthesis", 3),
    ("ab)", "unmatched closing parenthesis", 2),
    ("*a", "quantifier does not follow a repeatable item", 0),
    ("[ab", "missing terminating ] for character class", 3),
])
def test_errors_in_pcre_words(pattern: str, message: str, offset: int) -> None:
    with pytest.raises(RegexError) as info:
        compile_pcre(pattern)
    assert (info.value.message, info.value.offset) == (message, offset)
