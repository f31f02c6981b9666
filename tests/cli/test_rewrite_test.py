"""-brw from the command line (the rewriting itself: tests/test_rewrite.py)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_pyexim

CONF = Path(__file__).resolve().parent.parent / "acl" / "goldens" / "verbs.conf"
REWRITE_CONF = Path(__file__).resolve().parent.parent / "rewrite_goldens" / "rewrite.conf"


def test_brw_needs_an_address() -> None:
    result = run_pyexim("-C", str(CONF), "-brw")
    assert result.returncode == 1
    assert result.stdout == b"-brw needs an address argument\n"


def test_brw_without_rules() -> None:
    result = run_pyexim("-C", str(CONF), "-brw", "a@b.ex")
    assert (result.returncode, result.stdout) == (0, b"No rewrite rules are defined\n")


def test_brw_report() -> None:
    result = run_pyexim("-C", str(REWRITE_CONF), "-brw", "a@old.example")
    assert result.returncode == 0
    assert result.stdout.decode().splitlines()[0] == "  sender: a@new.example"
