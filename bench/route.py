#!/usr/bin/env python3
"""How long ``pyexim -bt`` takes beside real Exim's ``exim -bt`` (run by hand).

    .venv/bin/python bench/route.py [--runs N] [--config FILE] [--pyexim CMD] [ADDRESS...]

Times whole processes, as an administrator sees them: ``-bt`` on
corpus/configs/debian-internet.conf (Debian's configuration for a host on the
internet) for a few local addresses - an alias, the postmaster, a user who does not
exist, several at once - which take Exim through a dozen routers without the DNS.
Runs alternate between the two programs so that load on the machine hits them alike;
the minimum is the figure to compare (the median shows the noise). The ratio is
pyexim's minimum over Exim's; the target is at most 4.

--pyexim defaults to the dev venv's script; setuptools' editable-install import hook loads
re, enum and importlib before pyexim starts (about 7 ms). For what administrators get,
time a regular install: ``python3 -m venv /tmp/v && /tmp/v/bin/pip install . &&
bench/route.py --pyexim /tmp/v/bin/pyexim``.

For scale it also times ``pyexim -bV`` (starting Python, reading the cached
configuration: the floor under every pyexim mode) and ``python -c pass``, and routes the
same addresses inside one pyexim process, many times, to show the routing itself apart
from starting up. PYTHONDONTWRITEBYTECODE is dropped so that the warm-up run leaves
compiled modules behind.
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
ADDRESSES = ("root@localhost", "postmaster@localhost", "nosuchuser@localhost")


def run_once(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                   check=False)
    return time.perf_counter() - start


def in_process(conf: str, addresses: list[str], rounds: int) -> float:
    """Seconds per address for routing inside one process (configuration read once)."""
    sys.path.insert(0, str(HERE.parent))
    from pyexim.cli.address_test import test_addresses
    from pyexim.cli.args import parse_args
    from pyexim.config import load_config
    from pyexim.routers.chain import RoutingEnv
    invocation = parse_args(["pyexim", "-C", conf, "-bt", *addresses])
    config = load_config(conf)
    sink: list[str] = []
    start = time.perf_counter()
    for _ in range(rounds):
        test_addresses(config, invocation, sink.append, sink.append,
                       env=RoutingEnv(admin=True))
    return (time.perf_counter() - start) / (rounds * len(addresses))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--config", default=str(DEFAULT_CONFIG))
    parser.add_argument("--pyexim", default=str(Path(sys.executable).parent / "pyexim"))
    parser.add_argument("addresses", nargs="*", default=list(ADDRESSES))
    args = parser.parse_args()
    conf = args.config
    env = dict(os.environ)
    env.pop("PYEXIM_NO_CACHE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    pyexim = args.pyexim.split()

    cases = [[address] for address in args.addresses] + [list(args.addresses)]
    subjects: list[tuple[str, str, list[str]]] = []
    for case in cases:
        what = case[0] if len(case) == 1 else f"{len(case)} addresses"
        subjects.append((what, "exim", [EXIM, "-C", conf, "-bt", *case]))
        subjects.append((what, "pyexim", [*pyexim, "-C", conf, "-bt", *case]))
    subjects.append(("floor: -bV", "exim", [EXIM, "-C", conf, "-bV"]))
    subjects.append(("floor: -bV", "pyexim", [*pyexim, "-C", conf, "-bV"]))
    subjects.append(("python -c pass", "exim", [sys.executable, "-I", "-S", "-c", "pass"]))
    subjects.append(("python -c pass", "pyexim", [sys.executable, "-c", "pass"]))
    for _what, _who, command in subjects:   # warm the page cache and pyexim's cache
        run_once(command, env)
    times: dict[tuple[str, str], list[float]] = {(w, p): [] for w, p, _c in subjects}
    for _round in range(args.runs):
        for what, who, command in subjects:
            times[(what, who)].append(run_once(command, env))

    print(f"config: {conf}   runs: {args.runs} (alternating)   times in ms")
    print(f"{'-bt':24} {'exim min':>9} {'median':>7} {'pyexim min':>11} {'median':>7} "
          f"{'ratio':>6}")
    print("(the python row: -I -S in the exim column, with site-packages in pyexim's)")
    rows = [case[0] if len(case) == 1 else f"{len(case)} addresses" for case in cases]
    for what in [*rows, "floor: -bV", "python -c pass"]:
        exim, mine = times[(what, "exim")], times[(what, "pyexim")]
        print(f"{what:24} {min(exim) * 1000:9.1f} {statistics.median(exim) * 1000:7.1f} "
              f"{min(mine) * 1000:11.1f} {statistics.median(mine) * 1000:7.1f} "
              f"{min(mine) / min(exim):5.1f}x")
    per_address = in_process(conf, list(args.addresses), 200)
    print(f"routing inside one pyexim process: {per_address * 1e6:.0f} us per address "
          f"({1 / per_address:.0f} addresses/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
