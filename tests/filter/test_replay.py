"""Exim's own filter tests replayed against pyexim -bf/-bF.

0427 (87 Sieve scripts) and 0510 (a system filter and a user filter together) from
../shared/exim-tests must pass byte for byte. The replayer needs root and unshare
(private network and UTS namespaces); skipped otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

REPLAY = SHARED / "exim-tests" / "run_replay.sh"
TESTDIR = SHARED / "exim-tests" / "exim-4.96"
PYEXIM = Path(sys.executable).parent / "pyexim"


def _can_replay() -> bool:
    return (os.geteuid() == 0 and REPLAY.exists() and PYEXIM.exists()
            and shutil.which("unshare") is not None)


@pytest.mark.skipif(not _can_replay(), reason="needs root, unshare and ../shared/exim-tests")
def test_exim_scripts_0427_0510_pass(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    result = subprocess.run(
        [str(REPLAY), "--testdir", str(TESTDIR), "--exim", str(PYEXIM), "--user", "root",
         "--show-diff", "20", "0427", "0510"],
        capture_output=True, text=True, timeout=600, env=env, check=False)
    assert "summary: 2/2 PASS" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0
