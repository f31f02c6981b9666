"""Exim's own test scripts for the configuration reader, replayed against pyexim.

0290 (.include and macros), 0390 (.ifdef and friends, -D), 0577 (.include forms and
-bP config) from ../shared/exim-tests must pass byte for byte. The replayer needs
root and unshare (private network and UTS namespaces); skipped otherwise.
"""

from __future__ import annotations

from pathlib import Path

from tests.replay import needs_replay, replay


@needs_replay()
def test_exim_scripts_0290_0390_0577_pass(tmp_path: Path) -> None:
    result = replay("0290", "0390", "0577", cache_dir=tmp_path, timeout=300)
    assert "summary: 3/3 PASS" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0
