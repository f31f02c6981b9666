"""Regenerate preprocessor_goldens.json: real Exim 4.96's ``-bP config`` for preprocessor_cases.py.

Run by hand, as root, where the oracle is installed:

    python3 tests/config/gen_preprocessor_goldens.py [/usr/sbin/exim4]

Recorded per case: exit status, stdout and the logged error (timestamps removed,
the case's directory written as ``DIR``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.config.gen_broken_goldens import write_goldens
from tests.config.preprocessor_cases import CASES

TARGET = Path(__file__).resolve().parent / "preprocessor_goldens.json"


def main() -> int:
    write_goldens(TARGET, CASES, "-bP", "config")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
