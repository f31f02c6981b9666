"""The real-world corpus (../shared/corpus): Exim's verdicts, and -bP config byte for byte.

For every configuration in corpus/configs and corpus/configs/shimmed, pyexim must
accept what Exim accepts and refuse what Exim refuses, with the same line and
reason (bV-results.tsv). For the 22 accepted ones, ``-bP config`` must equal
Exim's gold/NAME.bP-config.txt, the absolute corpus path written as ``CORPUS/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pyexim.config import read_config
from pyexim.config.normalised import normalised_config
from pyexim.config.options import exim_error_text
from tests.config.conftest import CORPUS

if not (CORPUS / "bV-results.tsv").exists():
    pytest.skip("../shared/corpus is not available", allow_module_level=True)


def _verdicts() -> list[tuple[Path, int, str]]:
    rows = []
    for folder in (CORPUS, CORPUS / "shimmed"):
        table = (folder / "bV-results.tsv").read_text().splitlines()[1:]
        for row in table:
            name, status, diagnostic = row.split("\t")
            rows.append((folder / f"{name}.conf", int(status), diagnostic))
    return rows


VERDICTS = _verdicts()
GOLD = sorted((CORPUS / "gold").glob("*.bP-config.txt")) + sorted(
    (CORPUS / "shimmed" / "gold").glob("*.bP-config.txt"))


def test_corpus_is_complete() -> None:
    assert len(VERDICTS) == 29
    assert sum(1 for _p, status, _d in VERDICTS if status == 0) == len(GOLD) == 22


@pytest.mark.parametrize("path,status,diagnostic", VERDICTS,
                         ids=[p.name for p, _s, _d in VERDICTS])
def test_same_verdict_line_and_reason_as_exim(path: Path, status: int, diagnostic: str) -> None:
    reading = read_config(str(path), hostname="vm")
    assert bool(reading.errors) == bool(status)
    if status:
        first = exim_error_text(reading.errors[0]).replace(str(CORPUS) + "/", "CORPUS/")
        assert " ".join(first.split()) == diagnostic


@pytest.mark.parametrize("gold", GOLD, ids=[g.name.split(".bP")[0] for g in GOLD])
def test_bp_config_equals_exims(gold: Path) -> None:
    folder = gold.parent.parent
    conf = folder / (gold.name[: -len(".bP-config.txt")] + ".conf")
    expected = gold.read_bytes().decode("utf-8", "surrogateescape")
    got = normalised_config(str(conf), admin=True, hostname="vm")
    assert got.replace(str(CORPUS) + "/", "CORPUS/") == expected
