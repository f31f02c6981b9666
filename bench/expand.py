"""Benchmark: the expansions of Debian's RCPT ACL, per message, pyexim against real Exim.

Run by hand (not part of the test suite), as root where the oracle is installed:

    .venv/bin/python bench/expand.py [--config ../shared/corpus/configs/debian-internet.conf]
                                     [--messages 2000] [--rounds 5]

"The work for one message" is every expansion string on the RCPT ACL path of the
configuration: the values containing ``$`` of acl_check_rcpt's conditions and modifiers,
plus those of each ACL it calls with ``acl =`` (once per call, as Exim evaluates them),
all expanded once with the same client (-oMa 192.0.2.10, -f sender@example.net).

pyexim: the strings are expanded in-process with the context ``pyexim -be`` would use,
repeated N times (the parse cache is warm after the first message, as in a daemon);
each message gets a fresh copy of that context's values, as a session would make.
Exim: the same strings, N times over, are typed into one ``exim -be`` process (the
oracle); Exim's start-up is measured with the strings given once and subtracted. The
best of several rounds is reported for both, and their ratio.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pyexim.cli.args import parse_args
from pyexim.cli.expansion_test import context_for
from pyexim.config import load_config
from pyexim.expand import ExpansionError, expand_string, to_engine
from pyexim.record import replace

DEFAULT_CONFIG = HERE.parents[1] / "shared" / "corpus" / "configs" / "debian-internet.conf"
ORACLE = HERE.parents[1] / "shared" / "oracle" / "exim-oracle"
CLIENT = ["-oMa", "192.0.2.10.1025", "-f", "sender@example.net"]


def rcpt_path_strings(config: object, acl_name: str = "acl_check_rcpt") -> list[str]:
    """The expansion strings evaluated on the way through *acl_name* (nested ACLs too)."""
    strings: list[str] = []
    acls = config.acls  # type: ignore[attr-defined]
    for statement in acls[acl_name].statements:
        for condition in statement.conditions:
            if condition.name == "acl" and condition.value in acls:
                strings.extend(rcpt_path_strings(config, condition.value))
            elif "$" in condition.value:
                strings.append(condition.value)
    return strings


def time_pyexim(config_path: str, strings: list[str], messages: int) -> float:
    """Seconds for *messages* passes over *strings*, in-process."""
    config = load_config(config_path)
    invocation = parse_args(["pyexim", "-C", config_path, *CLIENT, "-be"])
    engine_strings = [to_engine(s) for s in strings]
    base = context_for(config, invocation, config_path)
    start = time.perf_counter()
    for _ in range(messages):
        ctx = replace(base, values=dict(base.values), acl_m={})
        for text in engine_strings:
            try:
                expand_string(text, ctx)
            except ExpansionError:
                pass
    return time.perf_counter() - start


def time_exim(config_path: str, strings: list[str], messages: int) -> float:
    """Seconds Exim's -be spends on *messages* passes (start-up subtracted)."""
    # A leading "x" keeps lines such as "REJECT ..." from being read as macro definitions.
    lines = "".join(f"x{s}\n" for s in strings).encode("utf-8")

    def run(count: int) -> float:
        start = time.perf_counter()
        subprocess.run([str(ORACLE), config_path, *CLIENT, "-be"], input=lines * count,
                       capture_output=True, check=True, timeout=600)
        return time.perf_counter() - start

    return run(messages) - run(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(DEFAULT_CONFIG))
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    config = load_config(args.config)
    strings = rcpt_path_strings(config)
    print(f"{len(strings)} expansion strings per message, {args.messages} messages, "
          f"best of {args.rounds} rounds")
    ours = min(time_pyexim(args.config, strings, args.messages) for _ in range(args.rounds))
    per_message_ours = ours / args.messages * 1e6
    print(f"pyexim: {per_message_ours:8.1f} us per message")
    if not ORACLE.exists():
        print("no oracle: Exim not measured")
        return 0
    exim = min(time_exim(args.config, strings, args.messages) for _ in range(args.rounds))
    per_message_exim = exim / (args.messages - 1) * 1e6
    print(f"exim:   {per_message_exim:8.1f} us per message")
    print(f"ratio pyexim/exim: {per_message_ours / per_message_exim:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
