"""Exim 4.96's own test suite configurations: the same -bV verdict as real Exim, for all 1021.

corpus/configs/exim-testsuite-4.96/bV-results.tsv holds real Exim's exit status and
diagnostic for each conf/NNNN.conf, run as check-testsuite.sh runs them: runtest's
``DIR/`` replaced by the absolute path of a copy, ``-DEXIM_PATH=...``, in the copy's
directory. pyexim reads each in-process (no subprocess per file).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pyexim.config import read_config
from pyexim.config.options import exim_error_text
from pyexim.errors import NotAvailableError
from tests.config.conftest import TESTSUITE

if not (TESTSUITE / "bV-results.tsv").exists():
    pytest.skip("../shared/corpus is not available", allow_module_level=True)


def _expected() -> dict[str, tuple[int, str]]:
    rows = (TESTSUITE / "bV-results.tsv").read_text().splitlines()[1:]
    return {name: (int(status), diag) for name, status, diag in
            (row.split("\t") for row in rows)}


EXPECTED = _expected()


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the suite with DIR/ replaced, and spool/ and tmp/ made."""
    root = tmp_path_factory.mktemp("testsuite")
    for part in ("conf", "aux-fixed", "aux-var"):
        shutil.copytree(TESTSUITE / part, root / part, symlinks=True)
    for part in ("conf", "aux-var"):
        for path in (root / part).rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                if b"DIR/" in data:
                    path.write_bytes(re.sub(rb"\bDIR/", (str(root) + "/").encode(), data))
    (root / "spool").mkdir()
    (root / "tmp").mkdir()
    return root


def test_all_1021_are_listed() -> None:
    assert len(EXPECTED) == 1021
    assert sum(1 for status, _d in EXPECTED.values() if status) == 38


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_same_verdict_as_exim(name: str, suite: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    status, diagnostic = EXPECTED[name]
    monkeypatch.chdir(suite)
    try:
        reading = read_config(f"{suite}/conf/{name}.conf",
                              [("EXIM_PATH", "/usr/sbin/exim4")], hostname="vm")
    except NotAvailableError as missing:
        pytest.skip(f"needs a part of pyexim not built yet: {missing}")
    assert bool(reading.errors) == bool(status), (
        [exim_error_text(e) for e in reading.errors[:2]], diagnostic)
    if status:
        first = exim_error_text(reading.errors[0])
        first = first.replace(f"{suite}/", "DIR/").replace(str(suite), "DIR")
        assert " ".join(first.split()) == diagnostic
