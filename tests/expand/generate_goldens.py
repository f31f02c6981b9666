#!/usr/bin/env python3
"""Regenerate the expansion goldens from the real Exim 4.96 (the oracle, run as root).

    python3 tests/expand/generate_goldens.py [--check]

For every case in golden/cases.txt (and golden/message_cases.txt, run with -bem on
data/message.eml) this runs

    ../shared/oracle/exim-oracle tests/expand/golden.conf -DDATA=<data dir> -be

with the case on standard input, and records Exim's standard output in
golden/expected.jsonl (golden/message_expected.jsonl): one JSON object per line,
{"case": ..., "stdout": ...}, bytes as latin-1 code points, the data directory's
path replaced by "DATA". Case files: one case per line; blank lines and lines
starting with "#" are not cases. Never edit the .jsonl files by hand: change the
cases and run this again. With --check, nothing is written; the exit status says
whether the recorded goldens still match Exim.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
DATA = HERE / "data"
CONFIG = HERE / "golden.conf"
ORACLE = HERE.parent.parent.parent / "shared" / "oracle" / "exim-oracle"

SETS = (
    ("cases.txt", "expected.jsonl", ()),
    ("message_cases.txt", "message_expected.jsonl", ("-bem", str(DATA / "message.eml"))),
)


def read_cases(path: Path) -> list[str]:
    """The cases of a case file (comments and blank lines dropped)."""
    cases = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            cases.append(line)
    return cases


def normalise(text: str) -> str:
    """Output with the checkout's paths replaced, so goldens do not depend on them."""
    return text.replace(str(DATA), "DATA").replace(str(HERE), "GOLDEN")


def run_exim(case: str, extra: tuple[str, ...]) -> str:
    """Exim's stdout for one case typed at the -be prompt."""
    result = subprocess.run([str(ORACLE), str(CONFIG), f"-DDATA={DATA}", *extra, "-be"],
                            input=case.encode("utf-8") + b"\n", capture_output=True,
                            timeout=60, check=False)
    return normalise(result.stdout.decode("latin-1"))


def _run_with(extra: tuple[str, ...], case: str) -> str:
    return run_exim(case, extra)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args()
    if not ORACLE.exists():
        print(f"no oracle at {ORACLE}", file=sys.stderr)
        return 2
    status = 0
    for case_file, golden_file, extra in SETS:
        cases = read_cases(GOLDEN / case_file)
        with ThreadPoolExecutor(max_workers=4) as pool:
            outputs = list(pool.map(functools.partial(_run_with, extra), cases))
        lines = [json.dumps({"case": c, "stdout": o}, ensure_ascii=False)
                 for c, o in zip(cases, outputs)]
        text = "\n".join(lines) + "\n"
        target = GOLDEN / golden_file
        if args.check:
            if not target.exists() or target.read_text("utf-8") != text:
                print(f"{target.name}: differs from Exim's output", file=sys.stderr)
                status = 1
        else:
            target.write_text(text, "utf-8")
            print(f"{target.name}: {len(cases)} cases")
    return status


if __name__ == "__main__":
    sys.exit(main())
