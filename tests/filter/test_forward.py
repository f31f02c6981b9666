"""Plain forward lists (.forward files and alias entries) as Exim's parse_forward_list reads them."""

from __future__ import annotations

import pytest

from pyexim.filter.forward import ForwardOptions, parse_forward_list
from pyexim.filter.result import Generated, Kind, Outcome
from pyexim.taint import Tainted


def qualify(address: str) -> str:
    return address if "@" in address else f"{address}@qualify.example"


def parse(text: str, options: ForwardOptions = ForwardOptions()):  # type: ignore[no-untyped-def]
    return parse_forward_list(text, "incoming.example", qualify, options)


def test_items_of_every_kind() -> None:
    result = parse('a@b, c\n\\d, "|/bin/cat x", /tmp/file\n# comment, x@y\n"/quoted \\"file\\""\n')
    assert result.outcome == Outcome.DELIVERED
    assert result.generated == [
        Generated("a@b", Kind.ADDRESS), Generated("c@qualify.example", Kind.ADDRESS),
        Generated("d@incoming.example", Kind.ADDRESS), Generated("|/bin/cat x", Kind.PIPE),
        Generated("/tmp/file", Kind.FILE), Generated('/quoted "file"', Kind.FILE)]


@pytest.mark.parametrize("text, outcome, error", [
    ("", Outcome.NOT_DELIVERED, None),
    ("# only a comment\n(only a comment too)\n", Outcome.NOT_DELIVERED, None),
    (":blackhole:", Outcome.BLACKHOLE, ""),
    ("a@b, :fail: go away\n", Outcome.ERROR, '":fail: go away" is not permitted'),
    (":defer: later\n", Outcome.ERROR, '":defer: later" is not permitted'),
    ("if unknowntest { keep; }", Outcome.ERROR,
     'missing or malformed local part (expected word or "<") in "if unknowntest { keep; }"'),
    (":include:relative", Outcome.ERROR, 'included file "relative" is not an absolute path'),
    (":include:", Outcome.ERROR, "file name missing after :include:"),
    (":include:/nonexistent/file", Outcome.INCLUDE_FAIL,
     "failed to open included file /nonexistent/file: No such file or directory"),
], ids=["empty", "comments", "blackhole", "fail-forbidden", "defer-forbidden", "syntax",
        "include-relative", "include-nothing", "include-missing"])
def test_outcomes(text: str, outcome: Outcome, error: str | None) -> None:
    result = parse(text)
    assert (result.outcome, result.error) == (outcome, error)


def test_permitted_specials_carry_their_text() -> None:
    options = ForwardOptions(allow_fail=True, allow_defer=True, forbid_blackhole=True)
    assert parse(":fail:  go away\n\n", options).error == "go away"
    assert parse(":defer: later", options).outcome == Outcome.DEFER
    assert parse(":blackhole:", options).error == '":blackhole:" is not permitted'


def test_unknown_prefixes_are_ignored() -> None:
    assert parse(":unknown:, :unk, a@b").generated == [Generated("a@b", Kind.ADDRESS)]


def test_include(tmp_path) -> None:
    included = tmp_path / "list"
    included.write_text("x@y\nz\n")
    result = parse(f"a@b, :include:{included}")
    assert [g.address for g in result.generated] == ["a@b", "x@y", "z@qualify.example"]
    limited = ForwardOptions(include_directory=str(tmp_path / "other"))
    assert parse(f":include:{included}", limited).error == (
        f"included file {included} is not in directory {tmp_path}/other")
    assert parse(f":include:{included}", ForwardOptions(forbid_include=True)).error == (
        "included files not permitted")
    tainted = parse(Tainted(f":include:{included}"))
    assert tainted.error == f"Tainted name '{included}' for included file  not permitted\n"


def test_syntax_errors_can_be_skipped() -> None:
    result = parse("a@b, bad address here, c@d", ForwardOptions(skip_syntax_errors=True))
    assert [g.address for g in result.generated] == ["a@b", "c@d"]
    assert result.syntax_errors == [
        ('missing or malformed local part (expected word or "<")', "bad address here")]
