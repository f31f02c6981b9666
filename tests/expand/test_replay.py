"""Exim's own expansion tests (0002, 0244, 0627, 3300) replayed against pyexim -be.

Uses the harness-free replayer in ../shared/exim-tests (it munges and diffs the output as
Exim's runtest does). 0002 also has -bh sessions (pyexim.cli.host_check) and two lines
that need Exim's fake DNS, which real Exim misses here as well.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

REPLAY = SHARED / "exim-tests" / "replay.py"
TESTDIR = SHARED / "exim-tests" / "exim-4.96"

# 0002: all but the two lines that need Exim's fake DNS (real Exim gets 1047 of 1049 here too).
MIN_0002 = 1040


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    if not REPLAY.exists():
        pytest.skip("no ../shared/exim-tests replayer")
    script = shutil.which("pyexim", path=str(Path(sys.executable).parent))
    exim = script if script else f"{sys.executable} -m pyexim"
    out = tmp_path_factory.mktemp("replay") / "results.json"
    args = [sys.executable, str(REPLAY), "--testdir", str(TESTDIR), "--exim", exim,
            "--json", str(out), "0002", "0244", "0627", "3300"]
    if os.geteuid() == 0:
        args[2:2] = ["--user", "root"]
    subprocess.run(args, capture_output=True, timeout=300, check=False,
                   cwd=str(tmp_path_factory.getbasetemp()))
    return {r["test"]: r for r in json.loads(out.read_text())}


@pytest.mark.parametrize("test", ["0244", "0627", "3300"])
def test_passes(results: dict[str, dict[str, object]], test: str) -> None:
    assert results[test]["status"] == "PASS", results[test]["diff"]


def test_0002_matches_but_for_fake_dns(results: dict[str, dict[str, object]]) -> None:
    assert results["0002"]["lines_matching"] >= MIN_0002, results["0002"]["diff"]
