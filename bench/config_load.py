#!/usr/bin/env python3
"""How long pyexim takes to check and print a configuration, beside real Exim (run by hand).

    .venv/bin/python bench/config_load.py [--runs N] [--config FILE] [--pyexim CMD]

Times whole processes, as an administrator sees them: ``-bV``, ``-bP`` (all main
options) and ``-bP config`` on corpus/configs/debian-internet.conf, for real Exim
(/usr/sbin/exim4), for pyexim with its configuration cache warm (the usual case:
the file has not changed since the last run) and cold (PYEXIM_NO_CACHE=1, the file
read and checked from scratch). Runs alternate between the programs so that load
on the machine hits them alike; the minimum is the figure to compare (the median
shows the noise). Also shown: the cost of starting Python at all, with and without
site-packages, which bounds what pyexim can reach.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CONFIG = HERE.parent.parent / "shared" / "corpus" / "configs" / "debian-internet.conf"
EXIM = "/usr/sbin/exim4"


def run_once(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                   check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--config", default=str(DEFAULT_CONFIG))
    parser.add_argument("--pyexim", default=str(Path(sys.executable).parent / "pyexim"))
    args = parser.parse_args()
    conf = args.config
    warm_env = dict(os.environ)
    warm_env.pop("PYEXIM_NO_CACHE", None)
    cold_env = dict(warm_env, PYEXIM_NO_CACHE="1")
    pyexim = args.pyexim.split()

    modes = {"-bV": ["-bV"], "-bP": ["-bP"], "-bP config": ["-bP", "config"]}
    subjects: list[tuple[str, list[str], dict[str, str]]] = []
    for mode, flags in modes.items():
        subjects.append((f"exim {mode}", [EXIM, "-C", conf, *flags], warm_env))
        subjects.append((f"pyexim {mode} (cached)", [*pyexim, "-C", conf, *flags], warm_env))
        subjects.append((f"pyexim {mode} (cold)", [*pyexim, "-C", conf, *flags], cold_env))
    subjects.append(("python -c pass", [sys.executable, "-c", "pass"], warm_env))
    subjects.append(("python -I -S -c pass", [sys.executable, "-I", "-S", "-c", "pass"],
                     warm_env))

    for _label, command, env in subjects:  # warm the page cache and pyexim's cache
        run_once(command, env)
    times: dict[str, list[float]] = {label: [] for label, _c, _e in subjects}
    for _round in range(args.runs):
        for label, command, env in subjects:
            times[label].append(run_once(command, env))

    print(f"config: {conf}   runs: {args.runs} (alternating)   times in ms")
    print(f"{'':34} {'min':>7} {'median':>7}  {'min vs exim':>11}")
    for label, _c, _e in subjects:
        best, middle = min(times[label]) * 1000, statistics.median(times[label]) * 1000
        ratio = ""
        if label.startswith("pyexim"):
            mode = label.split(" (")[0].removeprefix("pyexim ")
            exim_best = min(times[f"exim {mode}"]) * 1000
            ratio = f"{best / exim_best:.1f}x"
        print(f"{label:34} {best:7.1f} {middle:7.1f}  {ratio:>11}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
