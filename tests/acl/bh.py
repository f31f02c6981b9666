"""Running a -bh session in-process, for tests: stdout and LOG lines of one session."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from pyexim.cli.args import parse_args
from pyexim.cli.common import context_for
from pyexim.cli.host_check import make_session, testing_banner
from pyexim.hostaddr import extract_port
from pyexim.config import load_config
from pyexim.receive.client import canonical_address


def run_bh(conf: Path, address: str, data: bytes, *, args: tuple[str, ...] = (),
           spool: Path | None = None,
           prepare: Callable[[Any], None] | None = None) -> tuple[str, list[str]]:
    """(stdout, LOG lines) of ``pyexim -C conf [-DSPOOL=spool] ARGS -bh address`` fed *data*;
    *prepare* gets the expansion context first (to inject a resolver, say)."""
    macros = (f"-DSPOOL={spool}",) if spool is not None else ()
    argv = ["pyexim", "-C", str(conf), *macros, *args, "-bh", address]
    invocation = parse_args(argv)
    config = load_config(str(conf), invocation.macros)
    ctx = context_for(config, invocation, str(conf))
    if prepare is not None:
        prepare(ctx)
    log: list[str] = []
    host, port = extract_port(address)
    session = make_session(config, ctx, invocation, canonical_address(host), port,
                           stderr=log.append, trace=lambda text: None)
    out = bytearray(testing_banner(str(session.client.address)))
    out += session.start()
    if not session.closed:
        out += session.receive(data)
    if not session.closed:
        out += session.receive(b"")
    # Compare octets, as Exim wrote them: engine text holds peer bytes as surrogates.
    lines = [line[5:].rstrip("\n").encode("utf-8", "surrogateescape").decode("latin-1")
             for line in log if line.startswith("LOG: ")]
    return out.decode("latin-1"), lines
