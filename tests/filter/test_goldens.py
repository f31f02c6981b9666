"""pyexim -bf/-bF against real Exim 4.96's output for the cases in golden_cases.py.

goldens.json comes from gen_goldens.py (run by hand against real Exim); with the
oracle installed the cases are also run live against it.
"""

from __future__ import annotations

import io
import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

from pyexim.cli.main import main
from tests.conftest import REAL_EXIM, needs_oracle
from tests.filter.gen_goldens import command_line, normalise
from tests.filter.golden_cases import CASES

GOLDENS = json.loads((Path(__file__).resolve().parent / "goldens.json").read_text())
LOGIN = pwd.getpwuid(os.getuid()).pw_name
IDS = [str(case["id"]) for case in CASES]


def run_pyexim(case: dict[str, object], directory: Path,
               monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """pyexim's main() in this process: (exit status, normalised stdout)."""
    args = command_line(case, directory)
    stdin = io.TextIOWrapper(io.BytesIO(str(case["message"]).encode("utf-8")))
    stdout = io.TextIOWrapper(io.BytesIO())
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", stdout)
    status = main(["pyexim", *args])
    stdout.flush()
    output = stdout.buffer.getvalue()  # type: ignore[attr-defined]
    return status, normalise(output, directory, LOGIN)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_exim(case: dict[str, object], tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    status, output = run_pyexim(case, tmp_path, monkeypatch)
    golden = GOLDENS[str(case["id"])]
    assert output == golden["stdout"]
    assert status == golden["status"]


def test_every_case_has_a_golden() -> None:
    assert sorted(GOLDENS) == sorted(IDS)


@needs_oracle
@pytest.mark.parametrize("case", CASES[:6], ids=IDS[:6])
def test_goldens_are_current(case: dict[str, object], tmp_path: Path) -> None:
    run = subprocess.run([str(REAL_EXIM), *command_line(case, tmp_path)],
                         input=str(case["message"]).encode("utf-8"), capture_output=True,
                         check=False)
    assert normalise(run.stdout, tmp_path, "root") == GOLDENS[str(case["id"])]["stdout"]
