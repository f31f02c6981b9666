"""``-bt``, ``-bv`` and ``-bvs``: route addresses as a delivery or a verification would
(Exim: exim.c test_address and the -bt/-bv set-up; spec: "Testing addresses").

Addresses come from the command line (an argument may hold several, separated by
commas) or, without arguments, from standard input after a ``> `` prompt. ``-bt``
shows every address an address leads to, with its router, transport and hosts;
``-bv`` (recipients) and ``-bvs`` (senders) say "verified" or why not, and show the
same detail as -bt with ``-v`` or ``-d``. The exit status is 0 when everything
routed, 1 when something deferred, 2 when something failed.

pyexim adds ``--explain`` (with -bt or -bv): before each address's result, a trace on
standard output of every router tried, each precondition with the list item, lookup
data or condition value that decided it, and the router's outcome.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from pyexim.cli.args import Invocation
from pyexim.cli.common import DISPLAYMAIL_MAX, Abort, check_length

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any


def run(invocation: Invocation) -> int:
    """Run -bt/-bv/-bvs for *invocation*; Exim's exit status."""
    from pyexim.cli.common import load_config_or_report
    config = load_config_or_report(invocation)
    if config is None:
        return 1
    out = sys.stdout.buffer
    err = sys.stderr.buffer
    try:
        return test_addresses(config, invocation, _writer(out), _writer(err),
                              stdin=sys.stdin.buffer, prompt_out=out)
    finally:
        out.flush()


def _writer(stream: IO[bytes]) -> Callable[[str], None]:
    def write(text: str) -> None:
        stream.write(text.encode("latin-1", "replace"))
        stream.flush()
    return write


def test_addresses(config: Any, invocation: Invocation, out: Callable[[str], None],
                   err: Callable[[str], None], *, env: Any = None,
                   stdin: IO[bytes] | None = None, prompt_out: IO[bytes] | None = None,
                   ctx: Any = None) -> int:
    """Test each address of *invocation* against *config*, writing Exim's report to
    *out* (engine text) and diagnostics to *err*; returns the exit status.

    *env* is a pyexim.routers.chain.RoutingEnv (injected passwd source, interfaces,
    random seed...); by default the system's, with debug and log output to *err* as
    Exim writes them. *ctx* is the expansion context (default: the one -be uses).
    """
    from pyexim.cli.common import context_for
    from pyexim.cli.main import config_file_for
    from pyexim.lists import ListPanic
    from pyexim.routers.chain import Routing, RoutingEnv
    from pyexim.routers.verify import OPT_IS_RECIPIENT, OPT_QUALIFY

    testing = invocation.mode() == "address_test"
    explain = invocation.explain
    debugging = invocation.debug is not None and invocation.debug != "-all"
    verbose = testing or invocation.verbose or debugging
    if env is None:
        from pyexim.cli.common import is_admin
        env = RoutingEnv(admin=is_admin(config))
        if not testing and os.geteuid() == 0:
            # Exim gives up root for -bv (exim.c, "privilege not needed"): filters and
            # commands that must run as another user then fail as they do in Exim.
            # pyexim keeps its privileges but routes as the Exim user would.
            env.uid, env.gid = exim_ids(config)
    if env.debug is None and verbose:
        env.debug = err
    if env.log is None:
        env.log = _log_to(err, verbose)
    if ctx is None:
        ctx = context_for(config, invocation, config_file_for(invocation))
    try:
        ctx.values["sender_address"] = _sender(config, invocation, ctx)
    except Abort as abort:
        err(f"{abort}\n")
        return 1
    ctx.values["message_id"] = ""
    _route_logs(ctx, env.log)
    routing = Routing(config, ctx, env, address_test_mode=testing)
    options = OPT_QUALIFY
    if testing or not invocation.verify_as_sender:
        options |= OPT_IS_RECIPIENT
    if explain:
        routing.explain = lambda line: out(line + "\n")

    status = 0
    try:
        if invocation.arguments:
            for argument in invocation.arguments:
                text = _arg_text(argument)
                check_length(text, DISPLAYMAIL_MAX, "address verification")
                for address in _split_addresses(text):
                    status = _test_one(routing, address, options, out, verbose, status)
        elif stdin is not None:
            from pyexim.cli.common import read_input_line
            assert prompt_out is not None
            while True:
                line = read_input_line(stdin, prompt_out)
                if line is None:
                    break
                text = line.decode("latin-1")
                check_length(text, DISPLAYMAIL_MAX, "address verification (stdin)")
                status = _test_one(routing, text, options, out, verbose, status)
    except Abort as abort:
        err(f"{abort}\n")
        return 1
    except ListPanic as panic:
        # Exim writes the panic log and dies (a lookup file in a list that cannot be
        # opened, an unknown lookup type...): exit status 1, output so far stays.
        if verbose:
            err(f"LOG: MAIN PANIC DIE\n  {panic.message}\n")
        else:
            err(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {panic.message}\n")
        return 1
    return status


def exim_ids(config: Any) -> tuple[int | None, int | None]:
    """The uid and gid of exim_user and exim_group (None when not found)."""
    import grp
    import pwd
    user, group = config.option("exim_user"), config.option("exim_group")
    uid = gid = None
    try:
        entry = pwd.getpwuid(user) if isinstance(user, int) else pwd.getpwnam(str(user))
        uid, gid = entry.pw_uid, entry.pw_gid
    except (KeyError, TypeError):
        pass
    if group is not None:
        try:
            gid = group if isinstance(group, int) else grp.getgrnam(str(group)).gr_gid
        except KeyError:
            pass
    return uid, gid


def _arg_text(argument: str) -> str:
    """A command-line argument as engine text (its bytes, one character each)."""
    return os.fsencode(argument).decode("latin-1")


def _split_addresses(text: str) -> list[str]:
    """The addresses of one argument: commas outside quotes and brackets separate them."""
    from pyexim.address import find_address_end
    found = []
    pos = 0
    while pos < len(text):
        end = find_address_end(text, pos)
        found.append(text[pos:end])
        if end >= len(text) or text[end] != ",":
            break
        pos = end + 1
        while pos < len(text) and (text[pos] == "," or text[pos].isspace()):
            pos += 1
    return found or [text]


def _test_one(routing: Any, text: str, options: int, out: Callable[[str], None],
              verbose: bool, status: int) -> int:
    """Exim's test_address: extract the working address, verify it, update the status."""
    from pyexim.address import AddressError, AddressOptions, extract_address
    from pyexim.routers.item import AddressItem
    from pyexim.routers.verify import verify_address
    from pyexim.taint import Tainted
    config_options = AddressOptions(
        allow_domain_literals=bool(routing.option("allow_domain_literals")),
        allow_utf8_domains=bool(routing.option("allow_utf8_domains")),
        strip_excess_angle_brackets=bool(routing.option("strip_excess_angle_brackets")),
        strip_trailing_dot=bool(routing.option("strip_trailing_dot")))
    try:
        found = extract_address(text, options=config_options)
    except AddressError as error:
        out(f"syntax error: {error}\n")
        return 2
    if routing.explain is not None:
        routing.explain(f"--- {found.address}")
    result = verify_address(routing, AddressItem(Tainted(found.address)), options, out,
                            full_info=verbose)
    if result.code == "FAIL":
        return 2
    if result.code == "DEFER" and status == 0:
        return 1
    return status


def _sender(config: Any, invocation: Invocation, ctx: Any) -> str:
    """The sender address routing sees: -f (any caller, in a testing mode), else the
    caller's login, qualified with qualify_domain."""
    from pyexim.address import quote_local_part
    from pyexim.cli.common import caller_identity, command_line_sender
    from pyexim.taint import Tainted
    qualify = str(config.option("qualify_domain"))
    if invocation.sender is None:
        login = caller_identity()[0]
        return f"{quote_local_part(login)}@{qualify}"
    sender = command_line_sender(_arg_text(invocation.sender), qualify)
    return Tainted(sender) if invocation.sender else sender


def _route_logs(ctx: Any, log: Callable[[str, bool], None]) -> None:
    """Send the expansion's and the lookups' log lines to *log*."""
    ctx.lookup_context.log = log
    ctx.panic_log = lambda message: log(message, True)


def _log_to(err: Callable[[str], None], debugging: bool) -> Callable[[str, bool], None]:
    """Log lines as Exim writes them to stderr in a testing mode (log.c): with debugging
    on (always for -bt) in the debug output's form, else stamped, one a line."""
    def log(message: str, panic: bool) -> None:
        if debugging:
            err(f"LOG: MAIN{' PANIC' if panic else ''}\n  {message}\n")
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        err(f"{stamp} {message}" + ("" if message.endswith("\n") else "\n"))
    return log
