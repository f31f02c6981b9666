"""Option values, errors and -bP output for each case of option_cases.py, against real Exim's answers.

The expected answers (goldens/option_cases.json) come from gen_option_goldens.py,
which runs the real Exim 4.96; these tests need neither Exim nor the config reader.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.config.option_cases import CASES, Case, run

GOLDENS = json.loads((Path(__file__).parent / "goldens" / "option_cases.json").read_text(
    encoding="utf-8", errors="surrogateescape"))


def test_every_case_has_a_golden() -> None:
    assert sorted(case.id for case in CASES) == sorted(GOLDENS)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case_matches_exim(case: Case) -> None:
    expected = GOLDENS[case.id]
    outcome = run(case)
    # Where Exim reports the error and then dies of a signal while logging it
    # (an unusable log_file_path), pyexim just exits 1.
    status = 1 if int(expected["status"]) < 0 else expected["status"]
    assert (outcome.error, outcome.stdout, outcome.status) == (
        expected["error"], expected["stdout"], status)
