"""Regenerate goldens.json: real Exim 4.96's -bf/-bF output for each case in golden_cases.py.

Run by hand, as root, where real Exim is installed:

    python3 tests/filter/gen_goldens.py [/usr/sbin/exim4]

For each case the filters are written to a fresh directory (shown as ``DIR``) and
``exim4 -C tests/filter/golden.conf [-bF DIR/system.filter] [-bf DIR/user.filter]``
reads the case's message on stdin. Recorded: the exit status and stdout, with the
caller's login (root) written as ``CALLER``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.filter.golden_cases import CASES

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "golden.conf"
TARGET = HERE / "goldens.json"


def command_line(case: dict[str, object], directory: Path) -> list[str]:
    """The arguments after the program name: config, case args, filter options."""
    args = ["-C", str(CONFIG), *case.get("args", [])]  # type: ignore[misc]
    if "-bfl" not in args:
        args += ["-bfl", "alice"]
    for kind, flag in (("system", "-bF"), ("user", "-bf")):
        if kind in case:
            path = directory / f"{kind}.filter"
            path.write_text(str(case[kind]), encoding="utf-8")
            args += [flag, str(path)]
    return args


def normalise(stdout: bytes, directory: Path, login: str) -> str:
    """Output with the case directory and the caller's login replaced by fixed names."""
    text = stdout.decode("utf-8", "surrogateescape")
    return text.replace(str(directory), "DIR").replace(f"{login}@", "CALLER@")


def main() -> int:
    exim = sys.argv[1] if len(sys.argv) > 1 else "/usr/sbin/exim4"
    goldens = {}
    for case in CASES:
        with tempfile.TemporaryDirectory(prefix="pyexim-filter-") as temp:
            directory = Path(temp)
            run = subprocess.run([exim, *command_line(case, directory)],
                                 input=str(case["message"]).encode("utf-8"),
                                 capture_output=True, check=False)
            goldens[str(case["id"])] = {"status": run.returncode,
                                        "stdout": normalise(run.stdout, directory, "root")}
    TARGET.write_text(json.dumps(goldens, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(goldens)} cases to {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
