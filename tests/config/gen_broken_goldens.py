"""Regenerate broken_goldens.json: what real Exim 4.96 says about each case in broken_cases.py.

Run by hand, as root, where the oracle is installed:

    python3 tests/config/gen_broken_goldens.py [/usr/sbin/exim4]

For each case the files are written to a fresh directory and ``exim4 -C DIR/main.conf
-bV`` is run. Recorded: the exit status and the error text Exim logs (timestamp
and the environment-purge warning removed; the directory written as ``DIR``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.config.broken_cases import CASES

TARGET = Path(__file__).resolve().parent / "broken_goldens.json"
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", re.MULTILINE)
_PURGE = "Warning: purging the environment.\n Suggested action: use keep_environment.\n"


def write_case(case: dict[str, object], directory: Path) -> Path:
    """Write a case's files into *directory*; the path of its main.conf."""
    files = case["files"]
    assert isinstance(files, dict)
    for name, text in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(
            str(text).replace("DIR", str(directory)).encode("utf-8"))
    return directory / "main.conf"


def run_exim(case: dict[str, object], exim: str, *mode: str) -> dict[str, object]:
    """Run real Exim on a case in a fresh directory: status, stdout, logged error."""
    with tempfile.TemporaryDirectory(prefix="pyexim-case-") as temp:
        directory = Path(temp)
        conf = write_case(case, directory)
        macros = [str(m) for m in case.get("macros", [])]  # type: ignore[attr-defined]
        run = subprocess.run([exim, *macros, "-C", str(conf), *mode], capture_output=True,
                             check=False)
        out = run.stdout.decode("utf-8", "surrogateescape").replace(str(directory), "DIR")
        err = _STAMP.sub("", run.stderr.decode("utf-8", "surrogateescape"))
        err = err.replace(_PURGE, "").replace(str(directory), "DIR")
    return {"status": run.returncode, "stdout": out, "stderr": err}


def write_goldens(target: Path, cases: list[dict[str, object]], *mode: str,
                  keep: tuple[str, ...] = ("status", "stdout", "stderr")) -> None:
    """Run every case with real Exim (``argv[1]``, default /usr/sbin/exim4) into *target*."""
    exim = sys.argv[1] if len(sys.argv) > 1 else "/usr/sbin/exim4"
    goldens = {}
    for case in cases:
        result = run_exim(case, exim, *mode)
        goldens[str(case["id"])] = {key: result[key] for key in keep}
    target.write_text(json.dumps(goldens, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(goldens)} cases to {target}")


def main() -> int:
    write_goldens(TARGET, CASES, "-bV", keep=("status", "stderr"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
