"""``-bh address[.port]`` and ``-bhc``: a fake SMTP session from a host, on stdin/stdout
(Exim: exim.c host checking; spec: "Testing an incoming SMTP call").

The client's commands are read from standard input and the replies written to standard
output, after a banner saying this is a test. Every policy runs as for a real connection
(host lists, ACLs, verification -- callouts only with ``-bhc``), but nothing is written to
the spool or delivered; log lines appear on standard error as ``LOG: ...`` and the ACL
trace as ``>>> ...`` lines. After an accepted message, Exim's warning that the message
id is not real follows the ``250 OK id=`` reply.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from pyexim.cli.args import Invocation
from pyexim.errors import ConfigError
from pyexim.expand import ExpansionContext, ExpansionError, expand_string, to_engine
from pyexim.hostaddr import extract_port, is_ip_address
from pyexim.receive.client import canonical_address
from pyexim.taint import Tainted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

READ_SIZE = 65536


def load_or_report(invocation: Invocation) -> tuple[Any, ExpansionContext] | None:
    """The configuration and a fresh expansion context for a test mode; None after the
    configuration error has been reported as Exim reports it."""
    from pyexim.cli.common import context_for, load_config_or_report
    from pyexim.cli.main import config_file_for
    config = load_config_or_report(invocation)
    if config is None:
        return None
    return config, context_for(config, invocation, config_file_for(invocation))


def run(invocation: Invocation) -> int:
    """Run a -bh session on stdin/stdout; 0 at the end of the session (Exim's status)."""
    raw = invocation.host_check or ""
    if len(os.fsencode(raw)) > 46:
        sys.stderr.write(f"pyexim: length limit exceeded ({len(os.fsencode(raw))} > 46) "
                         "for: -bh\n")
        return 1
    address, port = extract_port(raw)
    if not is_ip_address(address):
        sys.stderr.write(f'pyexim abandoned: "{address}" is not an IP address\n')
        return 1
    loaded = load_or_report(invocation)
    if loaded is None:
        return 1
    config, ctx = loaded
    session = make_session(config, ctx, invocation, canonical_address(address), port)
    if session is None:
        return 1
    out = sys.stdout.buffer
    out.write(testing_banner(str(session.client.address)))
    out.flush()
    _converse(session, out)
    return 0


def testing_banner(address: str) -> bytes:
    """What -bh prints before the session starts."""
    return (f"\n**** SMTP testing session as if from host {address}\n"
            "**** but without any ident (RFC 1413) callback.\n"
            "**** This is not for real!\n\n").encode()


def make_session(config: Any, ctx: ExpansionContext, invocation: Invocation,
                 address: str, port: int, *, stderr: Callable[[str], object] | None = None,
                 trace: Callable[[str], object] | None = None) -> Any:
    """The SmtpSession of a -bh run, with the values exim.c sets for host checking."""
    from pyexim.log.selector import LogSelector
    from pyexim.receive.logsink import SessionLog
    from pyexim.receive.session import SmtpSession
    values = ctx.values
    for name in ("sender_address", "authenticated_id", "authenticated_sender"):
        if name == "authenticated_id" and invocation.authenticated_id:
            continue
        if name == "authenticated_sender" and invocation.authenticated_sender:
            continue
        values.pop(name, None)
    if not invocation.ident:
        values.pop("sender_ident", None)
    values["sender_host_address"] = Tainted(address)
    values["sender_host_port"] = port
    try:
        selector = LogSelector.parse(config.option("log_selector"))
    except ConfigError as error:
        sys.stderr.write(f"pyexim: {error.reason}\n")
        return None
    active = config.option("smtp_active_hostname")
    if active:
        try:
            name = expand_string(to_engine(str(active)), ctx)
            if name:
                values["smtp_active_hostname"] = name
        except ExpansionError as error:
            sys.stderr.write(f'pyexim: failed to expand "{active}" (smtp_active_hostname): '
                             f"{error.message}\n")
            return None
    debug = invocation.debug is not None
    log = SessionLog(selector, testing=True, debug=debug, clock=ctx.clock, pid=ctx.pid,
                     log_timezone=bool(config.option("log_timezone")),
                     utc=ctx.options.timestamps_utc, stderr=stderr)
    # Expansions and lookups log through the session too: under -bh Exim shows every
    # log line, panic ones included, as "LOG: ..." on standard error.
    ctx.panic_log = lambda message: log.write(message, panic=True)
    if ctx.lookup_context is not None:
        ctx.lookup_context.log = lambda message, panic: log.write(message, panic=panic)
    if trace is None and not debug:
        trace = _trace
    session = SmtpSession(config, ctx, log, host_checking=True,
                          host_checking_callout=invocation.host_check_callout,
                          enforce_sync=False, trace=trace, pid=ctx.pid)
    session.client.rebuild()
    if not session.host_in("hosts_connection_nolog").name == "OK":
        session.log(session.connection_info(), selector="smtp_connection")
    return session


def _trace(text: str) -> None:
    sys.stderr.write(f">>> {text}\n")


def _converse(session: Any, out: Any) -> None:
    """Feed stdin to the session and write its replies until it closes."""
    stdin = sys.stdin.buffer
    out.write(session.start())
    out.flush()
    while not session.closed:
        try:
            chunk = os.read(stdin.fileno(), READ_SIZE)
        except OSError:
            chunk = b""
        out.write(session.receive(chunk))
        out.flush()
        if not chunk:
            break


__all__ = ["load_or_report", "make_session", "run", "testing_banner"]
