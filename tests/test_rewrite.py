"""Address rewriting: -brw against real Exim 4.96 (rewrite_goldens/brw.json, made by
tests/gen_rewrite_goldens.py), and the rule machinery on its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pyexim import rewrite
from pyexim.cli.args import parse_args
from pyexim.cli.common import context_for
from pyexim.config import load_config
from pyexim.expand import ExpansionContext
from pyexim.rewrite import Rewriter, Rule

HERE = Path(__file__).resolve().parent
CONF = HERE / "rewrite_goldens" / "rewrite.conf"
GOLDENS = json.loads((HERE / "rewrite_goldens" / "brw.json").read_text())
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", re.M)


@pytest.fixture(scope="module")
def configured() -> tuple[Rewriter, ExpansionContext]:
    config = load_config(str(CONF))
    ctx = context_for(config, parse_args(["pyexim", "-C", str(CONF), "-brw", "x"]), str(CONF))
    return Rewriter.from_config(config), ctx


@pytest.mark.parametrize("golden", GOLDENS, ids=[g["address"] for g in GOLDENS])
def test_brw_matches_exim(golden: dict[str, object],
                          configured: tuple[Rewriter, ExpansionContext]) -> None:
    rewriter, ctx = configured
    logged: list[str] = []
    out = rewriter.test(str(golden["address"]), ctx,
                        log=lambda text, **flags: logged.append(text + "\n"))
    assert out == golden["stdout"]
    assert "".join(logged) == _STAMP.sub("", str(golden["stderr"]))


@pytest.mark.parametrize("letters,global_,flags", [
    ("", True, rewrite.ALL),
    ("", False, rewrite.ALL_HEADERS),
    ("h", True, rewrite.ALL_HEADERS),
    ("E", True, rewrite.ALL_ENVELOPE),
    ("Fs", True, rewrite.ENVFROM | rewrite.SENDER),
    ("tcb", True, rewrite.TO | rewrite.CC | rewrite.BCC),
    ("rT", True, rewrite.REPLYTO | rewrite.ENVTO),
    ("S", True, rewrite.SMTP),
    ("q", True, rewrite.QUIT | rewrite.ALL),
    ("QR", True, rewrite.QUALIFY | rewrite.REPEAT | rewrite.ALL),
    ("hw", True, rewrite.ALL_HEADERS | rewrite.WHOLE),
], ids=lambda v: repr(v))
def test_rule_flags(letters: str, global_: bool, flags: int) -> None:
    assert Rule.from_letters("*@x", "y@z", letters, is_global=global_).flags == flags


def _ctx() -> ExpansionContext:
    return ExpansionContext()


@pytest.mark.parametrize("rules,address,flag,expected", [
    ([("*@a.ex", "$local_part@b.ex", "")], "u@a.ex", rewrite.ENVTO, "u@b.ex"),
    ([("*@a.ex", "$1@b.ex", "F")], "u@a.ex", rewrite.ENVTO, "u@a.ex"),
    ([("*@a.ex", "*", ""), ("*@a.ex", "never@c.ex", "")], "u@a.ex", rewrite.ENVTO, "u@a.ex"),
    ([("*@a.ex", "v@b.ex", "q"), ("*@b.ex", "w@c.ex", "")], "u@a.ex", rewrite.ENVTO,
     "v@b.ex"),
    ([("*@a.ex", "v@b.ex", ""), ("*@b.ex", "w@c.ex", "")], "u@a.ex", rewrite.ENVTO,
     "w@c.ex"),
    ([("*@a.ex", "${if eq{1}{1}{fail}}", "")], "u@a.ex", rewrite.ENVTO, "u@a.ex"),
    ([("*@a.ex", "short", "Q")], "u@a.ex", rewrite.ENVTO, "short@q.ex"),
    ([("\\N^x(.*)@a\\.ex$\\N", "$1@a.ex", "R")], "xxxu@a.ex", rewrite.ENVTO, "u@a.ex"),
], ids=lambda v: repr(v)[:40])
def test_rewrite_one(rules: list[tuple[str, str, str]], address: str, flag: int,
                     expected: str) -> None:
    rewriter = Rewriter([Rule.from_letters(*r) for r in rules], qualify_recipient="q.ex")
    assert rewriter.rewrite_one(address, flag, _ctx()) == expected


def test_smtp_rules_see_the_whole_argument_and_allow_null_sender() -> None:
    rewriter = Rewriter([Rule.from_letters("\\N^<old@x\\.ex>$\\N", "<>", "S")])
    assert rewriter.rewrite_one("<old@x.ex>", rewrite.SMTP | rewrite.SMTP_SENDER,
                                _ctx()) == ""
    assert rewriter.rewrite_one("<old@x.ex>", rewrite.SMTP, _ctx()) == "<old@x.ex>"


def test_rewrite_address_qualifies_first() -> None:
    rewriter = Rewriter([Rule.from_letters("*@local.ex", "$local_part@global.ex", "E")],
                        qualify_recipient="local.ex", qualify_sender="local.ex")
    assert rewriter.rewrite_address("joe", True, _ctx()) == "joe@global.ex"


@pytest.mark.parametrize("text,htype,expected", [
    ("To: a@old.ex, Bee <b@old.ex>, c@keep.ex\n", "T",
     "To: a@new.ex, Bee <b@new.ex>, c@keep.ex\n"),
    ("Cc: group: a@old.ex;\n", "C", "Cc: group: a@new.ex;\n"),
    ("Subject: a@old.ex\n", " ", None),
    ("From: nobody@keep.ex\n", "F", None),
], ids=["list", "group", "not-an-address-header", "unchanged"])
def test_rewrite_header(text: str, htype: str, expected: str | None) -> None:
    rewriter = Rewriter([Rule.from_letters("*@old.ex", "$local_part@new.ex", "")])
    assert rewriter.rewrite_header(text, htype, _ctx(), allow_unqualified_sender=False,
                                   allow_unqualified_recipient=False) == expected


def test_unqualified_header_addresses_only_where_allowed() -> None:
    rewriter = Rewriter([], qualify_recipient="q.ex", qualify_sender="q.ex")
    text = "To: joe\n"
    assert rewriter.rewrite_header(text, "T", _ctx(), allow_unqualified_sender=False,
                                   allow_unqualified_recipient=False) is None
    assert rewriter.rewrite_header(text, "T", _ctx(), allow_unqualified_sender=False,
                                   allow_unqualified_recipient=True) == "To: joe@q.ex\n"


def test_no_rules_report() -> None:
    assert Rewriter([]).test("a@b.ex", _ctx()) == "No rewrite rules are defined\n"
