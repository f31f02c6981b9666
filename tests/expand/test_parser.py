"""The expansion parser: nodes for typical strings, Breaks where Exim's reader fails."""

from __future__ import annotations

import pytest

from pyexim.expand.nodes import (
    Break,
    CondGroup,
    Condition,
    Group,
    HeaderRef,
    Item,
    Literal,
    MatchRef,
    Operator,
    Seq,
    Variable,
    Word,
)
from pyexim.expand.parser import parse


def lit(text: str) -> Seq:
    return Seq((Literal(text),))


@pytest.mark.parametrize("text,parts", [
    ("plain", (Literal("plain"),)),
    ("a\\$b\\tc", (Literal("a$b\tc"),)),
    ("\\Nraw $x\\N", (Literal("raw $x"),)),
    ("$name.", (Variable("name"), Literal("."))),
    ("${name}x", (Variable("name", True), Literal("x"))),
    ("$1${2}", (MatchRef(1), MatchRef(2, True))),
    ("$h_subject: x", (HeaderRef("", "h", "subject:"), Literal(" x"))),
    ("$rheader_X-Y ", (HeaderRef("r", "header", "X-Y:"), Literal(" "))),
    ("${lc:A}", (Operator("lc", lit("A")),)),
    ("${md5:$tls_in_peercert}", (Operator("md5", Seq(()), "tls_in_peercert"),)),
    ("a{b}c", (Literal("a{b}c"),)),  # braces in plain text are just text
])
def test_parts(text: str, parts: tuple[object, ...]) -> None:
    assert parse(text).parts == parts


def test_if_item_tokens() -> None:
    (item,) = parse("${if eq{a}{b}{yes}fail}").parts
    assert item == Item("if", (Group(lit("yes")), Word("fail")), True,
                        Condition("eq", False, (Group(lit("a")), Group(lit("b")))))


def test_lookup_item_tokens() -> None:
    (item,) = parse("${lookup{k} partial-lsearch {/f}{$value}}").parts
    assert item.args == (Group(lit("k")), Word("partial-lsearch"), Group(lit("/f")),
                         Group(Seq((Variable("value"),))))


def test_second_argument_of_match_domain_is_not_expanded() -> None:
    (item,) = parse("${if match_domain{$d}{$list}}").parts
    second = item.cond.args[1]
    assert second.seq == Seq((Literal("$list"),), dollar=False)


def test_nested_conditions() -> None:
    (item,) = parse("${if and{{!def:x}{forany{a:b}{eq{$item}{a}}}}}").parts
    first, second = item.cond.args
    assert first == CondGroup(Condition("def", True, (Variable("x"),)))
    assert second.cond.name == "forany"
    assert isinstance(second.cond.args[1], CondGroup)


@pytest.mark.parametrize("text,kind,message", [
    ("abc\\", "static", "\\ at end of string"),
    ("${lc:abc", "missing_close", ""),
    ("$", "static", "$ not followed by letter, digit, or {"),
    ("${12", "static", "} expected after number"),
    ("${-x}", "static", "letter or digit expected after ${"),
    ("${tod_log", "static", ('"${tod_log" is not a known operator (or a } is missing in '
                             "a variable reference)")),
    ("${if nosuch{a}}", "static", 'unknown condition "nosuch"'),
    ("${if !{a}}", "static", 'condition name expected, but found "{a}}"'),
    ("${lookup{x}}", "static", "missing lookup type"),
])
def test_breaks(text: str, kind: str, message: str) -> None:
    seq = parse(text)
    brk = seq.broken
    assert isinstance(brk, Break)
    assert (brk.kind, brk.detail) == (kind, message)


def test_parse_is_cached() -> None:
    assert parse("${lc:cached}") is parse("${lc:cached}")


def test_names_are_cut_at_255_characters() -> None:
    (var,) = parse("$" + "a" * 300).parts
    assert var == Variable("a" * 255)
