"""Exim's own test scripts with -bh and -brw, replayed against pyexim.

0003 (senders lists), 0086 (verify = header_syntax), 0277 (named host lists), 0304
(address lists) and 0249 (rewriting) from ../shared/exim-tests must pass byte for
byte; 0002, the big expansion test, must match at least 1047 of its 1049 lines (the
other two need Exim's fake DNS, as they do for real Exim). The replayer needs root and
unshare (private network and UTS namespaces); skipped otherwise.
"""

from __future__ import annotations

import os
import re
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


def _replay(tmp_path: Path, *tests: str) -> str:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    result = subprocess.run(
        [str(REPLAY), "--testdir", str(TESTDIR), "--exim", str(PYEXIM), "--user", "root",
         "--show-diff", "20", *tests],
        capture_output=True, text=True, timeout=600, env=env, check=False)
    return result.stdout + result.stderr


@pytest.mark.skipif(not _can_replay(), reason="needs root, unshare and ../shared/exim-tests")
def test_bh_and_brw_scripts_pass(tmp_path: Path) -> None:
    output = _replay(tmp_path, "0003", "0086", "0277", "0304", "0249")
    assert "summary: 5/5 PASS" in output, output


@pytest.mark.skipif(not _can_replay(), reason="needs root, unshare and ../shared/exim-tests")
def test_expansion_script_0002_matches_all_but_the_fake_dns_lines(tmp_path: Path) -> None:
    output = _replay(tmp_path, "0002")
    found = re.search(r"0002 \w+ +(\d+)/1049", output)
    assert found is not None, output
    assert int(found.group(1)) >= 1047, output
