"""How the test DNS server answers a query from its zones: fakens's rules, as values.

``answer(zones, name, type) -> Reply``. No I/O and no Twisted; pyexim.net.fakedns puts
the Reply on the wire. The rules are those of Exim's test-suite fake nameserver
(test/src/fakens.c), translated from its exit codes to the responses a real server
sends, so that the real Exim, through the C library's resolver, reaches the same result
as in the test harness (checked with ``exim -d+dns``):

* records found: NOERROR with the answers;
* the name exists without records of the type: NOERROR, no answers, the zone's SOA
  (glibc: NO_DATA);
* the name is not in its zone: NXDOMAIN with the SOA (HOST_NOT_FOUND);
* the name is in no zone (fakens: PASS_ON to the real resolver; there is none behind
  this server): NXDOMAIN;
* TRY_AGAIN, for names ending ``test.again.dns``: SERVFAIL (TRY_AGAIN);
* NO_RECOVERY, for names ending ``test.fail.dns`` and types fakens does not know:
  FORMERR, the one error code glibc reports as NO_RECOVERY (it turns SERVFAIL, REFUSED
  and NOTIMP into TRY_AGAIN).

Like fakens, a CNAME at the queried name is returned whatever the type asked for. Unlike
fakens, which leaves the following to the caller, the chain is followed here as a
recursive resolver would (pass ``chase_cnames=False`` for fakens's behaviour):
dnspython's resolve() expects that, and Exim accepts both (dns.c dns_lookup()).
"""

from __future__ import annotations

import enum

from pyexim.net.dnszone import DEFAULT_TTL, RECORD_TYPES, Address, RData, Record, Target, ZoneSet
from pyexim.record import record

# How many CNAMEs are followed before giving up: a loop or an absurd chain ends there,
# and the client (Exim: dns_cname_loops) sees the chain so far.
MAX_CNAME_CHAIN = 8


class Rcode(enum.IntEnum):
    """DNS response codes (RFC 1035 section 4.1.1)."""

    NOERROR = 0
    FORMERR = 1
    SERVFAIL = 2
    NXDOMAIN = 3
    NOTIMP = 4
    REFUSED = 5


@record(frozen=True)
class RR:
    """A resource record as it goes into a response: owner name, type name, TTL, data."""

    owner: bytes
    rtype: str
    ttl: int
    data: RData


@record(frozen=True)
class Reply:
    """The answer to one query.

    ``authoritative`` and ``secure`` are the AA and AD bits; ``delay`` is how long (in
    seconds) to wait before sending, from ``DELAY=`` prefixes and ``N.test.again.dns``.
    """

    rcode: Rcode
    answers: tuple[RR, ...] = ()
    authority: tuple[RR, ...] = ()
    authoritative: bool = False
    secure: bool = False
    delay: float = 0.0


def _rr(record: Record, owner: bytes | None = None) -> RR:
    return RR(owner if owner is not None else record.owner, record.rtype, record.ttl,
              record.data)


# ---- names that fakens treats specially, before looking at any zone ----

def _manyhome(name: bytes) -> Reply:
    """``manyhome.test.ex`` (type A only) has 2048 addresses, 10.250.104.0 - 10.250.111.255,
    for testing huge host lists."""
    return Reply(Rcode.NOERROR, tuple(
        RR(name, "A", DEFAULT_TTL, Address(f"10.250.{i}.{j}"))
        for i in range(104, 112) for j in range(256)))


def _again(name: bytes) -> Reply:
    """Names ending ``test.again.dns``: a temporary failure, after as many seconds as the
    digits the name starts with (``5.test.again.dns``)."""
    digits = name[:len(name) - len(name.lstrip(b"0123456789"))]
    return Reply(Rcode.SERVFAIL, delay=float(int(digits or b"0")))


def _special(name: bytes, qtype: str) -> Reply | None:
    if name == b"manyhome.test.ex" and qtype == "A":
        return _manyhome(name)
    if name.endswith(b"test.again.dns"):
        return _again(name)
    if name.endswith(b"test.fail.dns"):
        return Reply(Rcode.FORMERR)
    return None


# ---- one lookup, as one run of fakens ----

def _lookup_one(zones: ZoneSet, name: bytes, qtype: str) -> Reply:
    """``name`` (lower case, no final dot) looked up once, without following CNAMEs."""
    special = _special(name, qtype)
    if special is not None:
        return special
    if name and b"." not in name and zones.qualify and name != b"dontqualify":
        name = name + b"." + zones.qualify
    zone = zones.zone_for(name)
    if zone is None:
        return Reply(Rcode.NXDOMAIN)
    if qtype not in RECORD_TYPES:
        return Reply(Rcode.FORMERR)
    matched = [r for r in zone.records if r.matches(name)]
    relevant = [r for r in matched if r.rtype in (qtype, "CNAME")]
    found = [_rr(r, name if r.key.startswith(b"*") else None) for r in relevant if not r.ignored]
    # fakens: a name that exists starts with AD and AA set; each relevant record without
    # the prefix clears them. So NODATA for an existing name has both bits set.
    exists = bool(matched)
    secure = exists and all(r.secure for r in relevant)
    authoritative = exists and all(r.authoritative for r in relevant)
    delay = sum(r.delay_ms for r in relevant) / 1000
    # Authority section as bind fills it: the zone's NS records with an answer, its SOA
    # without one; none for queries of those two types.
    authority: list[RR] = []
    if qtype not in ("SOA", "NS"):
        authority = [_rr(r) for r in zone.apex("NS" if found else "SOA")]
    rcode = Rcode.NOERROR if exists else Rcode.NXDOMAIN
    return Reply(rcode, tuple(found), tuple(authority), authoritative, secure, delay)


def _cname_target(reply: Reply, qtype: str) -> bytes | None:
    """Where to look next: the last CNAME's target (the one Exim would follow) when the
    answer has CNAMEs and no record of the type asked for."""
    if qtype == "CNAME" or any(rr.rtype == qtype for rr in reply.answers):
        return None
    targets = [rr.data.name for rr in reply.answers
               if rr.rtype == "CNAME" and isinstance(rr.data, Target)]
    return targets[-1].lower() if targets else None


def answer(zones: ZoneSet, qname: bytes, qtype: str, *, chase_cnames: bool = True) -> Reply:
    """The reply to a query for ``qname`` (any case, final dot optional) of type ``qtype``
    (a type name such as ``"MX"``; an unknown type is any other string).

    With ``chase_cnames``, a CNAME answer is followed through the zones: the answer
    section holds the whole chain, the rcode and authority section are the last name's,
    and the AD and AA bits are set only if every step earned them.
    """
    name = qname.rstrip(b".").lower()
    reply = _lookup_one(zones, name, qtype)
    if not chase_cnames:
        return reply
    answers = list(reply.answers)
    secure, authoritative, delay = reply.secure, reply.authoritative, reply.delay
    seen = {name}
    while (target := _cname_target(reply, qtype)) is not None and target not in seen \
            and len(seen) <= MAX_CNAME_CHAIN:
        seen.add(target)
        reply = _lookup_one(zones, target, qtype)
        delay += reply.delay
        if reply.rcode in (Rcode.SERVFAIL, Rcode.FORMERR):
            # A recursive resolver reports a failure anywhere in the chain as the answer.
            return Reply(reply.rcode, delay=delay)
        answers.extend(reply.answers)
        secure = secure and reply.secure
        authoritative = authoritative and reply.authoritative
    return Reply(reply.rcode, tuple(answers), reply.authority, authoritative, secure, delay)
