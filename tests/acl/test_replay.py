"""Exim's own test scripts with -bh and -brw, replayed against pyexim.

0003 (senders lists), 0086 (verify = header_syntax), 0277 (named host lists), 0304
(address lists) and 0249 (rewriting) from ../shared/exim-tests must pass byte for
byte; 0002, the big expansion test, must match at least 1047 of its 1049 lines (the
other two need Exim's fake DNS, as they do for real Exim). The replayer needs root and
unshare (private network and UTS namespaces); skipped otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.replay import needs_replay, replay


def _replay(tmp_path: Path, *tests: str) -> str:
    result = replay(*tests, cache_dir=tmp_path)
    return result.stdout + result.stderr


@needs_replay()
def test_bh_and_brw_scripts_pass(tmp_path: Path) -> None:
    output = _replay(tmp_path, "0003", "0086", "0277", "0304", "0249")
    assert "summary: 5/5 PASS" in output, output


@needs_replay()
def test_expansion_script_0002_matches_all_but_the_fake_dns_lines(tmp_path: Path) -> None:
    output = _replay(tmp_path, "0002")
    found = re.search(r"0002 \w+ +(\d+)/1049", output)
    assert found is not None, output
    assert int(found.group(1)) >= 1047, output
