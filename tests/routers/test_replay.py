"""Exim's own routing tests replayed against pyexim -bt/-bv.

0053 (aliases with domains), 0344 (per-route transports in manualroute), 0400
(backslashes in redirection data), 0149 (list separators, -bv with debugging), 0239
(host lists for local transports) and 0510 (a filter test that uses the same set-up)
from ../shared/exim-tests must pass byte for byte. The replayer needs root and unshare
(private network and UTS namespaces); skipped otherwise.
"""

from __future__ import annotations

from pathlib import Path

from tests.replay import needs_replay, replay

TESTS = ("0053", "0344", "0400", "0149", "0239", "0510")


@needs_replay()
def test_exim_routing_scripts_pass(tmp_path: Path) -> None:
    result = replay(*TESTS, cache_dir=tmp_path)
    assert f"summary: {len(TESTS)}/{len(TESTS)} PASS" in result.stdout, \
        result.stdout + result.stderr
    assert result.returncode == 0
