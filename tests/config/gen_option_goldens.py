"""Regenerate goldens/option_cases.json from the real Exim 4.96 (run as root with the oracle installed).

    python3 tests/config/gen_option_goldens.py

Each case of option_cases.py is written as an exim.conf, given to
``../shared/oracle/exim-oracle CONF -bP [-n] ARGS`` with the host name "vm", and
Exim's stdout, stderr (config path replaced by "CONF") and exit status are stored.
The file is never edited by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.config.option_cases import CASES, CONF, HOSTNAME, config_text

ORACLE = HERE.parent.parent.parent / "shared" / "oracle" / "exim-oracle"
GOLDEN = HERE / "goldens" / "option_cases.json"


def run_case(directory: str, case_id: str, text: str, args: list[str],
             names_only: bool, admin: bool) -> dict[str, object]:
    """Exim's answer for one case (as root, or as "nobody" for a caller who is not admin)."""
    path = os.path.join(directory, f"{case_id}.conf")
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
        handle.write(text)
    os.chmod(path, 0o644)
    flags = ["-bP", "-n"] if names_only else ["-bP"]
    env = dict(os.environ, ORACLE_HOSTNAME=HOSTNAME)
    command = [str(ORACLE), path, *flags, *args]
    if not admin:
        # -bP reads nothing but the file: no namespace needed; the host name
        # matters only for cases that print primary_hostname unset, none here.
        command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                   "/usr/sbin/exim4", "-C", path, *flags, *args]
    result = subprocess.run(command, capture_output=True, env=env, check=False, timeout=60)
    stderr = result.stderr.decode("utf-8", "surrogateescape").replace(path, CONF)
    return {
        "stdout": result.stdout.decode("utf-8", "surrogateescape").replace(path, CONF),
        "error": first_log_entry(stderr),
        "status": result.returncode,
    }


def first_log_entry(stderr: str) -> str:
    """The first "LOG: ..." entry of -bP's stderr (later ones are about log files, with times)."""
    lines = stderr.splitlines(keepends=True)
    if not lines or not lines[0].startswith("LOG:"):
        return stderr.replace("exim: ", "pyexim: ")
    entry = [lines[0]]
    for line in lines[1:]:
        if not line.startswith("  "):
            break
        entry.append(line)
    return "".join(entry)


def main() -> int:
    """Run every case through real Exim and write the golden file."""
    goldens: dict[str, dict[str, object]] = {}
    # The oracle runs Exim as root, which must be able to read the files.
    with tempfile.TemporaryDirectory(prefix="pyexim-options-") as directory:
        os.chmod(directory, 0o755)
        for case in CASES:
            goldens[case.id] = run_case(directory, case.id, config_text(case), case.bp_args(),
                                        case.names_only, case.admin)
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(goldens, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                      encoding="utf-8", errors="surrogateescape")
    print(f"{len(goldens)} cases written to {GOLDEN}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
