"""Regenerate preprocessor_goldens.json: real Exim 4.96's ``-bP config`` for preprocessor_cases.py.

Run by hand, as root, where the oracle is installed:

    python3 tests/config/gen_preprocessor_goldens.py [/usr/sbin/exim4]

Recorded per case: exit status, stdout and the logged error (timestamps removed,
the case's directory written as ``DIR``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.config.gen_broken_goldens import _PURGE, _STAMP, write_case
from tests.config.preprocessor_cases import CASES

TARGET = Path(__file__).resolve().parent / "preprocessor_goldens.json"


def main() -> int:
    exim = sys.argv[1] if len(sys.argv) > 1 else "/usr/sbin/exim4"
    goldens = {}
    for case in CASES:
        with tempfile.TemporaryDirectory(prefix="pyexim-pre-") as temp:
            directory = Path(temp)
            conf = write_case(case, directory)
            macros = [str(m) for m in case.get("macros", [])]  # type: ignore[attr-defined]
            run = subprocess.run([exim, *macros, "-C", str(conf), "-bP", "config"],
                                 capture_output=True, check=False)
            out = run.stdout.decode("utf-8", "surrogateescape").replace(str(directory), "DIR")
            err = _STAMP.sub("", run.stderr.decode("utf-8", "surrogateescape"))
            err = err.replace(_PURGE, "").replace(str(directory), "DIR")
            goldens[str(case["id"])] = {"status": run.returncode, "stdout": out, "stderr": err}
    TARGET.write_text(json.dumps(goldens, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(goldens)} cases to {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
