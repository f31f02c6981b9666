"""Exim's own filter tests replayed against pyexim -bf/-bF.

0427 (87 Sieve scripts) and 0510 (a system filter and a user filter together) from
../shared/exim-tests must pass byte for byte. The replayer needs root and unshare
(private network and UTS namespaces); skipped otherwise.
"""

from __future__ import annotations

from pathlib import Path

from tests.replay import needs_replay, replay


@needs_replay()
def test_exim_scripts_0427_0510_pass(tmp_path: Path) -> None:
    result = replay("0427", "0510", cache_dir=tmp_path)
    assert "summary: 2/2 PASS" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0
