#!/usr/bin/env python3
"""Make the -brw goldens from the real Exim 4.96 (run by hand, as root, with the oracle).

    .venv/bin/python tests/gen_rewrite_goldens.py

Runs ``../shared/oracle/exim-oracle rewrite_goldens/rewrite.conf -brw ADDRESS`` for each
address below and stores standard output, standard error and the exit status in
rewrite_goldens/brw.json (never edit it by hand).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORACLE = HERE.parent.parent / "shared" / "oracle" / "exim-oracle"
CONF = HERE / "rewrite_goldens" / "rewrite.conf"

ADDRESSES = [
    "a@old.example", "Bob@hdr.example", "x@env.example", "y@from.example",
    "z@sender.example", "t@tocc.example", "r@reply.example", "q@quit.example",
    "q@quit2.example", "s@star.example", "f@fail.example", "u@unq.example",
    "n@noq.example", "b@bad.example", "someone@smtp.example", "w@whole.example",
    "xxxy@rep.example", "c@chain.example", "UPPER@caseless.example",
    "upper@caseless.example", "me@deep.sub.example", "nodomain", "<>",
    "Some Name <a@old.example>", "a@old.example (comment)", "untouched@nowhere.example",
    "@bad", "a@",
]


def main() -> int:
    out = []
    for address in ADDRESSES:
        proc = subprocess.run([str(ORACLE), str(CONF), "-brw", address], capture_output=True,
                              timeout=60, check=False)
        out.append({"address": address, "stdout": proc.stdout.decode("latin-1"),
                    "stderr": proc.stderr.decode("latin-1"), "status": proc.returncode})
        print(f"{address}: {proc.returncode}")
    (HERE / "rewrite_goldens" / "brw.json").write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
