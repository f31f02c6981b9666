"""Broken configurations: pyexim refuses each as Exim 4.96 does, same line, same reason.

The cases are in broken_cases.py; Exim's answers in broken_goldens.json (from
gen_broken_goldens.py, run against the real Exim). With the oracle installed, the
goldens are also checked against a live run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pyexim.config import read_config
from pyexim.config.options import exim_error_text
from tests.config.broken_cases import CASES
from tests.config.gen_broken_goldens import run_exim, write_case
from tests.conftest import REAL_EXIM, needs_oracle, run_pyexim

GOLDENS = json.loads((Path(__file__).parent / "broken_goldens.json").read_text())
IDS = [str(case["id"]) for case in CASES]


def _first_error(case: dict[str, object], directory: Path) -> tuple[str, object]:
    conf = write_case(case, directory)
    reading = read_config(str(conf), hostname="vm")
    assert reading.errors, f"pyexim accepted {case['id']}"
    text = exim_error_text(reading.errors[0]) + "\n"
    return text.replace(str(directory), "DIR"), reading.errors[0].loc


def test_there_are_at_least_thirty_distinct_broken_cases() -> None:
    assert len(set(IDS)) == len(IDS) >= 30
    assert set(IDS) == set(GOLDENS)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_refused_with_exims_line_and_reason(case: dict[str, object], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYEXIM_NO_CACHE", "1")
    golden = GOLDENS[case["id"]]
    assert golden["status"] == 1
    text, loc = _first_error(case, tmp_path)
    expected = golden["stderr"]
    if case.get("differs"):
        heading, _, reason = expected.partition("\n")
        assert text.startswith(heading + "\n")
        assert text.partition("\n")[2].startswith(reason.rstrip("\n"))
    else:
        assert text == expected
    line = re.search(r"in line (\d+) of ", expected)
    if line:
        assert loc is not None and loc.line == int(line.group(1))


def test_every_error_is_reported_in_one_run(tmp_path: Path) -> None:
    conf = tmp_path / "main.conf"
    conf.write_text("keep_environment =\nnosuch1 = 1\nqualify_domain = \"x\n"
                    "begin acl\na1:\n  accept hots = :\nbegin retry\n* * F,0m,1m\n")
    reading = read_config(str(conf))
    assert [(e.loc.line if e.loc else None, e.reason) for e in reading.errors] == [
        (2, 'main option "nosuch1" unknown'),
        (3, "missing quote at end of string value for qualify_domain"),
        (6, 'error in ACL: unknown ACL condition/modifier in "accept hots = :"'),
        (8, "bad parameters for retry rule"),
    ]


@pytest.mark.parametrize("case_id", ["unknown-main-option", "bom", "no-driver-defined",
                                     "main-check-no-heading"])
def test_cli_prints_pyexims_heading_and_exits_1(case_id: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c["id"] == case_id)
    conf = write_case(case, tmp_path)
    result = run_pyexim("-C", str(conf), "-bV", env={"PYEXIM_NO_CACHE": "1", "PATH": "/usr/bin"})
    assert result.returncode == 1
    expected = GOLDENS[case_id]["stderr"].replace("DIR", str(tmp_path))
    assert result.stderr.decode().startswith(expected.replace("Exim configuration",
                                                              "pyexim configuration"))
    assert b"Configuration file is" not in result.stdout


@needs_oracle
@pytest.mark.parametrize("case", CASES[:12], ids=IDS[:12])
def test_goldens_still_match_real_exim(case: dict[str, object]) -> None:
    result = run_exim(case, str(REAL_EXIM), "-bV")
    assert (result["status"], result["stderr"]) == (GOLDENS[case["id"]]["status"],
                                                   GOLDENS[case["id"]]["stderr"])
