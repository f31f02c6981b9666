"""The iplookup router (spec: "The iplookup router")."""

from __future__ import annotations

from pyexim.config.main_options import check_regex
from pyexim.config.options import (
    Bool,
    EximConfigError,
    Int,
    MainGetter,
    Opt,
    OptionTable,
    Settings,
    String,
    Time,
    value_of,
)

OPTIONS = OptionTable("iplookup router", [
    Opt("hosts", String(), None),
    Opt("optional", Bool(), False),
    Opt("port", Int(), -1),
    Opt("protocol", String(), None),
    Opt("query", String(), None),
    Opt("reroute", String(), None),
    Opt("response_pattern", String(), None),
    Opt("timeout", Time(), 5),
])


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """iplookup_router_init: a port and hosts are required; protocol is udp or tcp."""
    def fail(reason: str) -> EximConfigError:
        return EximConfigError(f"{name} router:\n  {reason}", form="for")

    if int(value_of(OPTIONS, settings, "port")) < 0:  # type: ignore[call-overload]
        raise fail("a port must be specified")
    if value_of(OPTIONS, settings, "hosts") is None:
        raise fail("a host list must be specified")
    protocol = value_of(OPTIONS, settings, "protocol")
    if protocol is not None and protocol not in ("udp", "tcp"):
        raise fail("protocol not specified as udp or tcp")
    pattern = value_of(OPTIONS, settings, "response_pattern")
    if pattern is not None:
        # Compiled now, as Exim does, so a bad pattern stops the configuration.
        check_regex(str(pattern))


# ---------------------------------------------------------------------------
# Routing (Exim: routers/iplookup.c)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.routers.base import Outcome, PasswdEntry
    from pyexim.routers.chain import Queues, Router, Routing
    from pyexim.routers.item import AddressItem


_REPLY_BYTES = 7


def _ask(address: str, port: int, tcp: bool, query: bytes, timeout: float) -> bytes | None:
    """Send the query to one address and read the reply; None when the connection, the
    send or the read fails.

    Exim 4.96 reads the reply into a 256-byte buffer but passes ``sizeof(reply) - 1``,
    the size of a pointer less one, as the length: at most 7 bytes are read. Copied on
    purpose, so that answers compare equal with Exim's.
    """
    import socket
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    kind = socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM
    try:
        with socket.socket(family, kind) as sock:
            sock.settimeout(timeout)
            sock.connect((address, port))
            sock.send(query)
            reply = sock.recv(_REPLY_BYTES)
    except OSError:
        return None
    return reply or None


def route(router: Router, addr: AddressItem, run: Routing, q: Queues,
          pw: PasswdEntry | None, verify: str) -> Outcome:
    """Ask a server over UDP or TCP for a new address (iplookup_router_entry)."""
    from pyexim.expand import ExpansionError
    from pyexim.hostaddr import is_ip_address
    from pyexim.routers import rf
    from pyexim.routers.base import Accept, Decline, Defer, Pass
    from pyexim.routers.hosts import FIND_AGAIN, FIND_FAILED
    from pyexim.routers.item import Host
    from pyexim.strings import list_items

    def expand(text: str) -> str | None:
        try:
            return run.expand(text)
        except ExpansionError as error:
            addr.message = f"{router.name} router: failed to expand {text}: " \
                           f"{error.text}"
            return None

    query_option = router.text("query")
    if query_option is None:
        query = f"{addr.local_part}@{addr.domain} {addr.local_part}@{addr.domain}"
    else:
        expanded = expand(query_option)
        if expanded is None:
            return Defer()
        query = expanded
    data = query.encode("latin-1", "replace")
    tcp = router.get("protocol") == "tcp"
    port = int(router.get("port"))
    timeout = float(router.get("timeout"))
    reply: bytes | None = None
    for name in list_items(router.text("hosts") or ""):
        host = Host(name)
        if is_ip_address(name):
            hosts = [Host(name, name)]
        else:
            rc, hosts = run.finder.find_byname(host, None)
            if rc in (FIND_FAILED, FIND_AGAIN):
                continue
        for h in hosts:
            if h.address is None:
                continue
            reply = _ask(h.address, port, tcp, data, timeout)
            if reply is not None:
                break
        if reply is not None:
            break
    if reply is None:
        if router.get("optional"):
            return Pass()
        addr.message = f"{router.name} router: failed to communicate with any host"
        return Defer()
    from pyexim.taint import Tainted
    text: str = Tainted(reply.split(b"\0", 1)[0].decode("latin-1"))
    pattern = router.text("response_pattern")
    if pattern is not None:
        from pyexim.regex import compile_pcre, groups_of
        match = compile_pcre(pattern).search(text)
        if match is None:
            return Decline()
        run.ctx.match_strings = [match.group(0), *groups_of(match)]
    else:
        end = 0
        while end < len(text) and not text[end].isspace():
            end += 1
        run.ctx.match_strings = [text[:end]]
        if query_option is None:
            rest = text[end:].lstrip(" \t\n\v\f\r")
            if query[len(query) // 2 + 1:] != rest:
                return Decline()
        text = text[:end]
    reroute_option = router.text("reroute")
    reroute = text
    if reroute_option is not None:
        expanded = expand(reroute_option)
        run.ctx.match_strings = []
        if expanded is None:
            return Defer()
        reroute = expanded
    if "@" not in reroute:
        message = f"{router.name} router: reroute string {reroute} is not of the form " \
                  "user@domain"
        run.log(message)
        addr.message = message
        return Defer()
    child = addr.child(reroute)
    addr.child_count += 1
    q.new.insert(0, child)
    problem, child.prop.errors_address = rf.get_errors_address(run, addr, router, verify)
    if problem is not None:
        return problem
    problem, child.prop.extra_headers, child.prop.remove_headers = \
        rf.get_munge_headers(run, addr, router)
    if problem is not None:
        return problem
    return Accept()
