"""Exim's own routing tests replayed against pyexim -bt/-bv.

0053 (aliases with domains), 0344 (per-route transports in manualroute), 0400
(backslashes in redirection data), 0149 (list separators, -bv with debugging), 0239
(host lists for local transports) and 0510 (a filter test that uses the same set-up)
from ../shared/exim-tests must pass byte for byte. The replayer needs root and unshare
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
TESTS = ("0053", "0344", "0400", "0149", "0239", "0510")


def _can_replay() -> bool:
    return (os.geteuid() == 0 and REPLAY.exists() and PYEXIM.exists()
            and shutil.which("unshare") is not None)


@pytest.mark.skipif(not _can_replay(), reason="needs root, unshare and ../shared/exim-tests")
def test_exim_routing_scripts_pass(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    result = subprocess.run(
        [str(REPLAY), "--testdir", str(TESTDIR), "--exim", str(PYEXIM), "--user", "root",
         "--show-diff", "20", *TESTS],
        capture_output=True, text=True, timeout=600, env=env, check=False)
    assert f"summary: {len(TESTS)}/{len(TESTS)} PASS" in result.stdout, \
        result.stdout + result.stderr
    assert result.returncode == 0
