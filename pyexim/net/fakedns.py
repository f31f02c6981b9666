"""The test DNS server: twisted.names on 127.0.0.1, answering from fakens-format zones.

Tests point pyexim (``PYEXIM_RESOLV_CONF``, ``PYEXIM_DNS_PORT``) and the real Exim (a
bind-mounted /etc/resolv.conf, see tests/tools/oracle_dns.py) at this server, so both
see the DNS of Exim's test suite. Zones and answering rules: pyexim.net.dnszone and
pyexim.net.dnszone_answer. Run it in the foreground:

    python -m pyexim.net.fakedns --port N --zones DIR [--zones DIR2] [--hostipv4 A]
                                 [--hostipv6 A] [--hostname H] [--pidfile F]

It prints ``listening on 127.0.0.1:N`` once UDP and TCP are both bound (``--port 0``
picks a free port) and runs until SIGTERM or SIGINT. In-process: ``listen(zones)``.
It listens on loopback only, never on another interface.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import select
import subprocess
import sys
from collections.abc import Callable, Sequence

from twisted.internet import defer, error
from twisted.names import dns, server

from pyexim.net.dnszone import (
    RECORD_TYPES,
    TYPE_NAMES,
    RData,
    Substitutions,
    Text,
    ZoneError,
    ZoneSet,
    load_zones,
)
from pyexim.net.dnszone_answer import RR, Rcode, Reply, answer
from pyexim.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

LOOPBACK = "127.0.0.1"

# What a client needs to find this server, as resolv.conf text. trust-ad: glibc 2.31+
# clears the AD bit of answers unless the server is trusted, and Exim's DNSSEC and DANE
# tests need that bit (fakens's "DNSSEC" prefix). The port goes to pyexim separately
# (PYEXIM_DNS_PORT); the C library only uses port 53.
RESOLV_CONF = f"nameserver {LOOPBACK}\noptions trust-ad\n"

# The UDP payload we accept to send to a client that offers EDNS (RFC 6891); without EDNS,
# RFC 1035's 512 bytes. Larger answers go out truncated (TC) and the client retries by TCP.
EDNS_PAYLOAD = 4096
PLAIN_UDP_PAYLOAD = 512


def _text(data: RData, ttl: int, record: Callable[..., Any]) -> Any:
    assert isinstance(data, Text)
    return record(*data.strings, ttl=ttl)


# Record type name -> twisted.names payload for that type's data.
PAYLOADS: dict[str, Callable[[Any, int], Any]] = {
    "A": lambda d, ttl: dns.Record_A(d.address, ttl),
    "AAAA": lambda d, ttl: dns.Record_AAAA(d.address, ttl),
    "NS": lambda d, ttl: dns.Record_NS(d.name, ttl),
    "CNAME": lambda d, ttl: dns.Record_CNAME(d.name, ttl),
    "PTR": lambda d, ttl: dns.Record_PTR(d.name, ttl),
    "MX": lambda d, ttl: dns.Record_MX(d.preference, d.exchange, ttl),
    "SRV": lambda d, ttl: dns.Record_SRV(d.priority, d.weight, d.port, d.target, ttl),
    "SOA": lambda d, ttl: dns.Record_SOA(d.mname, d.rname, d.serial, d.refresh, d.retry,
                                         d.expire, d.minimum, ttl),
    "TXT": lambda d, ttl: _text(d, ttl, dns.Record_TXT),
    "SPF": lambda d, ttl: _text(d, ttl, dns.Record_SPF),
    # twisted.names has no TLSA class: RFC 6698 section 2.1 wire form, as an unknown type.
    "TLSA": lambda d, ttl: dns.UnknownRecord(
        bytes((d.usage, d.selector, d.matching_type)) + d.data, ttl),
}


def rr_header(rr: RR, authoritative: bool) -> dns.RRHeader:
    """One record of a Reply as twisted.names puts it on the wire."""
    return dns.RRHeader(name=rr.owner, type=RECORD_TYPES[rr.rtype], cls=dns.IN, ttl=rr.ttl,
                        payload=PAYLOADS[rr.rtype](rr.data, rr.ttl), auth=authoritative)


def _edns(query: dns.Message) -> dns.RRHeader | None:
    """The OPT pseudo-record of the query, if it uses EDNS."""
    return next((rr for rr in query.additional if rr.type == dns.OPT), None)


def build_response(zones: ZoneSet, query: dns.Message, *, udp: bool,
                   chase_cnames: bool = True) -> tuple[Reply | None, dns.Message]:
    """The response to ``query`` and the Reply it encodes (None when the query itself is
    refused: not exactly one question, or not class IN).

    Over UDP an answer longer than the client accepts is sent with no records and TC set.
    """
    response = dns.Message(id=query.id, answer=1, opCode=query.opCode, recDes=query.recDes,
                           recAv=1, maxSize=0)
    response.queries = list(query.queries)
    opt = _edns(query)
    if opt is not None:
        do_bit = opt.ttl & 0x8000   # echo the DNSSEC OK flag (RFC 3225)
        empty: Any = dns.UnknownRecord(b"")
        response.additional = [dns.RRHeader(name=b"", type=dns.OPT, cls=EDNS_PAYLOAD,
                                            ttl=do_bit, payload=empty)]
    if len(query.queries) != 1 or query.queries[0].cls != dns.IN:
        response.rCode = Rcode.FORMERR if len(query.queries) != 1 else Rcode.REFUSED
        return None, response
    question = query.queries[0]
    qtype = TYPE_NAMES.get(question.type, f"TYPE{question.type}")
    reply = answer(zones, question.name.name, qtype, chase_cnames=chase_cnames)
    response.rCode = int(reply.rcode)
    response.auth = reply.authoritative
    response.authenticData = int(reply.secure)
    response.answers = [rr_header(rr, reply.authoritative) for rr in reply.answers]
    response.authority = [rr_header(rr, reply.authoritative) for rr in reply.authority]
    if udp:
        limit = max(PLAIN_UDP_PAYLOAD, min(opt.cls, EDNS_PAYLOAD)) if opt else PLAIN_UDP_PAYLOAD
        if len(response.toStr()) > limit:
            response.answers, response.authority, response.trunc = [], [], True
    return reply, response


class FakeDNSFactory(server.DNSServerFactory):
    """Answers every query from ``zones``; the controller of both the UDP and TCP protocols.

    ``log`` (a callable taking one line) is told each query and its outcome.
    """

    def __init__(self, zones: ZoneSet, *, chase_cnames: bool = True, reactor: Any = None,
                 log: Callable[[str], None] | None = None):
        super().__init__()
        self.zones = zones
        self.chase_cnames = chase_cnames
        self.log = log
        if reactor is None:
            from twisted.internet import reactor as default_reactor
            reactor = default_reactor
        self._reactor = reactor

    def buildProtocol(self, addr: Any) -> dns.DNSProtocol:
        # A TCP connection's protocol, on this factory's reactor (not the global one).
        protocol = dns.DNSProtocol(self, reactor=self._reactor)
        protocol.factory = self
        return protocol

    def handleQuery(self, message: dns.Message, protocol: Any, address: Any) -> None:
        reply, response = build_response(self.zones, message, udp=address is not None,
                                         chase_cnames=self.chase_cnames)
        if self.log is not None:
            self.log(_describe(message, reply, response))
        delay = reply.delay if reply is not None else 0.0
        if delay > 0:
            self._reactor.callLater(delay, self._send, protocol, response, address)
        else:
            self._send(protocol, response, address)

    @staticmethod
    def _send(protocol: Any, response: dns.Message, address: Any) -> None:
        # DNSServerFactory.sendReply would also time the query, from an attribute its own
        # handleQuery sets; the protocols write the message themselves.
        if address is None:
            protocol.writeMessage(response)
        else:
            protocol.writeMessage(response, address)


def _describe(query: dns.Message, reply: Reply | None, response: dns.Message) -> str:
    questions = " ".join(f"{q.name.name.decode('latin-1')}/{dns.QUERY_TYPES.get(q.type, q.type)}"
                         for q in query.queries)
    outcome = Rcode(response.rCode).name
    if reply is not None:
        outcome += f" {len(reply.answers)} answers"
        outcome += " TC" if response.trunc else ""
        outcome += " AD" if reply.secure else ""
        outcome += " AA" if reply.authoritative else ""
        outcome += f" after {reply.delay:g}s" if reply.delay else ""
    return f"{questions} -> {outcome}"


@record
class FakeDNSServer:
    """A running server: its port (the same for UDP and TCP) and how to stop it."""

    port: int
    udp: Any      # the IListeningPort of each protocol
    tcp: Any
    factory: FakeDNSFactory

    def stop(self) -> defer.Deferred[Any]:
        """Close both ports; the Deferred fires when they are closed."""
        return defer.gatherResults([defer.maybeDeferred(port.stopListening)
                                    for port in (self.udp, self.tcp)])


def listen(zones: ZoneSet, port: int = 0, *, chase_cnames: bool = True, reactor: Any = None,
           log: Callable[[str], None] | None = None, attempts: int = 20) -> FakeDNSServer:
    """Serve ``zones`` on 127.0.0.1:``port`` over UDP and TCP (call it in the reactor thread).

    With port 0 a free port is chosen whose number is free for both protocols (up to
    ``attempts`` tries). Raises twisted.internet.error.CannotListenError.
    """
    if reactor is None:
        from twisted.internet import reactor as default_reactor
        reactor = default_reactor
    factory = FakeDNSFactory(zones, chase_cnames=chase_cnames, reactor=reactor, log=log)
    for attempt in range(attempts):
        udp = reactor.listenUDP(port, dns.DNSDatagramProtocol(factory, reactor=reactor),
                                interface=LOOPBACK)
        chosen = udp.getHost().port
        try:
            tcp = reactor.listenTCP(chosen, factory, interface=LOOPBACK)
        except error.CannotListenError:
            udp.stopListening()
            if port != 0 or attempt == attempts - 1:
                raise
            continue
        return FakeDNSServer(chosen, udp, tcp, factory)
    raise AssertionError("unreachable: the last attempt raises")


def server_command(zone_dirs: Sequence[str], port: int = 0, *,
                   hostipv4: str | None = None, hostipv6: str | None = None,
                   hostname: str | None = None, chase_cnames: bool = True,
                   log: bool = False) -> list[str]:
    """The command line that runs this server in a process of its own."""
    command = [sys.executable, "-m", "pyexim.net.fakedns", "--port", str(port)]
    for directory in zone_dirs:
        command += ["--zones", str(directory)]
    for flag, value in (("--hostipv4", hostipv4), ("--hostipv6", hostipv6),
                        ("--hostname", hostname)):
        command += [flag, value] if value is not None else []
    command += [] if chase_cnames else ["--no-chase-cnames"]
    return command + (["--log"] if log else [])


def start_process(command: Sequence[str], *, stderr: Any = None, env: Any = None,
                  timeout: float = 30) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``command`` (see server_command) and wait until it listens; (process, port).

    Raises RuntimeError, with what the server said, when it exits or stays silent
    for ``timeout`` seconds. The caller stops the process (terminate, then wait).
    """
    process = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=stderr, env=env)
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline().decode(errors="replace").strip() if ready else ""
    prefix = f"listening on {LOOPBACK}:"
    if not line.startswith(prefix) or not line[len(prefix):].isdigit():
        process.kill()
        process.wait()
        raise RuntimeError(f"the test DNS server did not start: {line or 'no output'}")
    return process, int(line[len(prefix):])


def _address(version: int) -> Callable[[str], str]:
    """An argparse type: an IP address of ``version``, or "" for none."""
    def check(text: str) -> str:
        try:
            if text and ipaddress.ip_address(text).version != version:
                raise ValueError
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an IPv{version} address: {text}") from None
        return text
    return check


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pyexim.net.fakedns",
        description="DNS server on 127.0.0.1 answering from Exim-test-suite (fakens) zones.")
    parser.add_argument("--port", type=int, required=True, help="UDP and TCP port; 0 = any free")
    parser.add_argument("--zones", action="append", required=True, metavar="DIR",
                        help="directory of db.* and qualify.* files (repeatable)")
    parser.add_argument("--hostipv4", default=Substitutions.hostipv4, type=_address(4),
                        help="value of HOSTIPV4 in the zones (default %(default)s)")
    parser.add_argument("--hostipv6", default=Substitutions.hostipv6, type=_address(6),
                        help="value of HOSTIPV6 in the zones (default %(default)s)")
    parser.add_argument("--hostname", default=None,
                        help="test host's name: substitutes HOSTNAME and adds runtest's zones "
                             "for the host (its A/AAAA and PTR records)")
    parser.add_argument("--no-chase-cnames", dest="chase_cnames", action="store_false",
                        help="answer a CNAME alone, as fakens does, instead of following it")
    parser.add_argument("--pidfile", default=None, help="write the process id here")
    parser.add_argument("--log", action="store_true", help="one line per query on stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server in the foreground until a signal stops it; 2 for bad zones or usage."""
    args = _parser().parse_args(argv)
    subst = Substitutions(hostipv4=args.hostipv4, hostipv6=args.hostipv6,
                          hostname=args.hostname)
    try:
        zones = load_zones(args.zones, subst, hostname=args.hostname)
    except (ZoneError, OSError) as exc:
        print(f"fakedns: {exc}", file=sys.stderr)
        return 2
    from twisted.internet import reactor as default_reactor
    reactor: Any = default_reactor

    def log_line(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        running = listen(zones, args.port, chase_cnames=args.chase_cnames, reactor=reactor,
                         log=log_line if args.log else None)
    except error.CannotListenError as exc:
        print(f"fakedns: {exc}", file=sys.stderr)
        return 1

    def ready() -> None:
        # Only once the reactor runs: its SIGTERM handler is in place by then, so a
        # client that stops the server as soon as it reads this line stops it cleanly.
        if args.pidfile:
            with open(args.pidfile, "w") as pidfile:
                pidfile.write(f"{os.getpid()}\n")
        print(f"listening on {LOOPBACK}:{running.port}", flush=True)

    reactor.callWhenRunning(ready)
    try:
        reactor.run()
    finally:
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except FileNotFoundError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
