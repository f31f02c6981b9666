#!/usr/bin/env python3
"""Make the -bh goldens from the real Exim 4.96 (run by hand, as root, with the oracle).

    .venv/bin/python tests/acl/gen_goldens.py

Each session of golden_cases.py is run through
``../shared/oracle/exim-oracle goldens/<conf> -DSPOOL=<dir> -bh <address>`` and its
standard output and ``LOG:`` lines are stored in goldens/bh.json (never edit it by hand).
What varies from run to run is normalised by ``normalise`` (also used by the test):
message ids become ``<ID1>``, ``<ID2>``... in order of appearance and ``S=`` sizes
``S=sss`` (the Received: header's date has a variable length). Lines Exim writes only
because it runs under -C as root ("exim user lost privilege ...") are dropped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.acl.golden_cases import CASES  # noqa: E402

ORACLE = HERE.parent.parent.parent / "shared" / "oracle" / "exim-oracle"
GOLDENS = HERE / "goldens"
SPOOL = Path("/tmp/pyexim-acl-goldens")
_ID = re.compile(r"\b[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}\b")
_SIZE = re.compile(r"\bS=\d+")
_NOISE = ("exim user lost privilege", "Warning: purging the environment")


def normalise(stdout: str, log: list[str]) -> tuple[str, list[str]]:
    """Message ids as <IDn> (shared numbering across stdout and log) and sizes as S=sss."""
    ids: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        return ids.setdefault(match.group(0), f"<ID{len(ids) + 1}>")
    stdout = _ID.sub(number, stdout)
    lines = [_SIZE.sub("S=sss", _ID.sub(number, line)) for line in log
             if not any(noise in line for noise in _NOISE)]
    return stdout, lines


def run_oracle(conf: str, address: str, extra: tuple[str, ...], data: str) -> tuple[str, list[str]]:
    shutil.rmtree(SPOOL, ignore_errors=True)       # no hints (ratelimit) from earlier runs
    SPOOL.mkdir(parents=True, exist_ok=True)
    os.chmod(SPOOL, 0o777)
    proc = subprocess.run([str(ORACLE), str(GOLDENS / conf), f"-DSPOOL={SPOOL}", *extra,
                           "-bh", address], input=data.encode("latin-1"),
                          capture_output=True, timeout=60, check=False)
    stdout = proc.stdout.decode("latin-1")
    log = [line[5:] for line in proc.stderr.decode("latin-1").splitlines()
           if line.startswith("LOG: ")]
    return stdout, log


def main() -> int:
    out = []
    for name, conf, address, extra, data in CASES:
        stdout, log = normalise(*run_oracle(conf, address, extra, data))
        out.append({"name": name, "conf": conf, "address": address, "args": list(extra),
                    "input": data, "stdout": stdout, "log": log})
        print(f"{name}: {len(stdout.splitlines())} lines, {len(log)} log lines")
    (GOLDENS / "bh.json").write_text(json.dumps(out, indent=1, ensure_ascii=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
