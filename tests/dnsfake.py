"""A tiny in-memory DNS for resolver, list and dnsdb tests.

``FakeZone.answer`` answers a dnspython query message from a dict of records; pass it as
``Resolver(query=zone.answer)`` for tests without sockets. ``serve_udp`` serves the same
zone on a loopback UDP port: the oracle golden generator runs real Exim against it inside
the oracle's network namespace, so both sides see the same DNS.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from pyexim.resolver import name_text


@dataclass
class FakeZone:
    """``records[(name, TYPE)] = ["rdata text", ...]``; names in ``servfail`` fail (SERVFAIL).

    A name that appears in no record is NXDOMAIN; a known name without records of the
    asked type is NODATA. CNAMEs are followed inside the zone, as a recursive server does.
    """

    records: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    servfail: set[str] = field(default_factory=set)
    ttl: int = 3600

    def answer(self, request: dns.message.Message) -> dns.message.Message:
        question = request.question[0]
        qname = name_text(question.name).lower()
        qtype = dns.rdatatype.to_text(question.rdtype)
        response = dns.message.make_response(request)
        if qname in self.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        names = {n.lower() for n, _ in self.records}
        current = qname
        for _ in range(8):
            data = self.records.get((current, qtype))
            if data is not None:
                response.answer.append(dns.rrset.from_text_list(
                    current + ".", self.ttl, "IN", qtype, data))
                return response
            cname = self.records.get((current, "CNAME"))
            if cname is None or qtype == "CNAME":
                break
            response.answer.append(dns.rrset.from_text_list(
                current + ".", self.ttl, "IN", "CNAME", cname))
            current = cname[0].rstrip(".").lower()
        if current not in names and not response.answer:
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response


def serve_udp(zone: FakeZone, host: str = "127.0.0.1", port: int = 53) -> socket.socket:
    """Answer queries for *zone* on UDP *host*:*port* from a daemon thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, port))

    def loop() -> None:
        while True:
            try:
                data, peer = sock.recvfrom(4096)
            except OSError:
                return
            try:
                request = dns.message.from_wire(data)
            except Exception:  # a malformed packet: ignore it, as a server would
                continue
            sock.sendto(zone.answer(request).to_wire(want_shuffle=False), peer)

    threading.Thread(target=loop, daemon=True).start()
    return sock
