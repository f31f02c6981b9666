"""``-brw address``: show what the rewriting rules do to an address (Exim: exim.c and
rewrite.c ``rewrite_test``; spec: "Testing the rewriting rules").

For each place an address can appear (the six address headers and the two envelope
addresses) the address as rewritten is printed, after an ``SMTP:`` line when a rule with
the S flag changes it. An address without a domain is qualified first.
"""

from __future__ import annotations

import os
import sys

from pyexim.cli.args import Invocation
from pyexim.cli.host_check import load_or_report
from pyexim.expand import from_engine, to_engine

ADDRESS_MAX = 256


def run(invocation: Invocation) -> int:
    """Print the -brw report for the address argument; 0, or 1 for a usage problem."""
    if not invocation.arguments:
        print("-brw needs an address argument")
        return 1
    address = invocation.arguments[0]
    raw = os.fsencode(address)
    if len(raw) > ADDRESS_MAX:
        sys.stderr.write(f"pyexim: length limit exceeded ({len(raw)} > {ADDRESS_MAX}) for: "
                         "-brw\n")
        return 1
    loaded = load_or_report(invocation)
    if loaded is None:
        return 1
    config, ctx = loaded
    from pyexim.rewrite import Rewriter
    rewriter = Rewriter.from_config(config)
    report = rewriter.test(to_engine(address), ctx, log=stderr_log)
    sys.stdout.buffer.write(from_engine(report).encode("utf-8", "surrogateescape"))
    sys.stdout.flush()
    return 0


def stderr_log(text: str, **flags: object) -> None:
    """Log lines of a test mode go to standard error with their timestamp (Exim writes
    them there when it is not running "really" as the MTA)."""
    import time
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    sys.stdout.flush()
    sys.stderr.write(f"{stamp} {from_engine(text)}\n")


__all__ = ["run", "stderr_log"]
