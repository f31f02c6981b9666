"""-bh sessions against the replies and log lines real Exim 4.96 gave (goldens/bh.json,
made by gen_goldens.py): every ACL verb, most conditions and modifiers, the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.acl.bh import run_bh
from tests.acl.gen_goldens import normalise

GOLDENS = Path(__file__).resolve().parent / "goldens"
CASES = json.loads((GOLDENS / "bh.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_session_matches_exim(case: dict[str, object], tmp_path: Path) -> None:
    stdout, log = run_bh(GOLDENS / str(case["conf"]), str(case["address"]),
                         str(case["input"]).encode("latin-1"),
                         args=tuple(case["args"]), spool=tmp_path)  # type: ignore[arg-type]
    stdout, log = normalise(stdout, log)
    assert stdout == case["stdout"]
    assert log == case["log"]
