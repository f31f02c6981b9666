"""Zone files for the test DNS server, in the format of Exim's test-suite fake nameserver.

Exim's test suite answers DNS queries from small zone files read by its helper program
fakens (test/src/fakens.c, described in test/README). This module reads the same files,
plus zone files of the same format that pyexim's own tests write, into `Zone` objects.
The rules for answering a query from them live in `pyexim.net.dnszone_answer`; the
server that puts the answers on the wire is `pyexim.net.fakedns`. No Twisted here.

The format, one record per line (as fakens reads it):

    [DNSSEC ][AA ][NXDOMAIN ][DELAY=ms ][TTL=s ]owner  TYPE  data

* A line starting with white space continues the previous line's owner.
* ``;`` starts a comment line. ``#`` lines are comments too (fakens reads them as a
  record whose type never matches; Exim's db.test.ex has a few).
* Names not ending in a dot are relative to the zone; so are the targets of MX, NS,
  CNAME, PTR and SRV records and the SOA's primary name server (fakens appends the zone).
  The SOA's mailbox name is taken as written, as fakens does.
* TXT data is one quoted string, or the rest of the line when unquoted; backslashes are
  not escapes. pyexim extension: more quoted strings on the line give a multi-string TXT.
* Types: A AAAA MX NS CNAME PTR SOA TXT SRV TLSA (fakens's list) and SPF (pyexim extension).
* Prefixes: DNSSEC (answers made only of such records get the AD bit), AA (likewise for
  the AA bit), NXDOMAIN (the record is ignored but its name exists and its prefixes
  count), DELAY=ms (wait before answering), TTL=s (default 3600).
* ``PASS ON NOT FOUND`` makes fakens hand unknown names to the real resolver; there is
  none behind this server, so such names get NXDOMAIN like any other unknown name.

Zone names come from file names: ``db.test.ex`` is ``test.ex``, ``db.ip4.10`` is
``10.in-addr.arpa``, ``db.ip6.0`` is ``0.ip6.arpa``; a file ``qualify.test.ex`` makes
single-label names be looked up in ``test.ex`` (except the name ``dontqualify``).
Before parsing, the test harness's substitutions are applied (runtest do_substitute():
``HOSTIPV4``, ``HOSTIPV6``, ``V4NET``, ``V6NET``, ``PORT_*``, ``HOSTNAME``), including in the
file names ``db.ip4.V4NET`` and ``db.ip6.V6NET``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pyexim.errors import PyEximError, SourceLoc
from pyexim.record import field, record

# fakens's type list (test/src/fakens.c type_list) plus SPF, which pyexim's own zones may use.
RECORD_TYPES: dict[str, int] = {
    "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16,
    "AAAA": 28, "SRV": 33, "TLSA": 52, "SPF": 99,
}
TYPE_NAMES: dict[int, str] = {code: name for name, code in RECORD_TYPES.items()}

DEFAULT_TTL = 3600

# fakens reads zone files with fgets() into a 256-byte buffer, so a longer line arrives
# as several pieces; the first piece is the record (Exim's db.test.ex relies on this:
# "appears to be too long, gets truncated") and the rest never matches a query.
FAKENS_LINE_BYTES = 255

# The harness's host addresses when none are given: the ones the shared replayer
# (shared/exim-tests/replay.py) substitutes, TEST-NET-1 and the documentation prefix,
# so no real host is ever named.
DEFAULT_HOSTIPV4 = "192.0.2.7"
DEFAULT_HOSTIPV6 = "2001:db8::7"

# runtest's port numbers (test/runtest, $parm_port_*); zone files use PORT_S in SRV data.
DEFAULT_PORTS: Mapping[str, int] = {
    "PORT_N": 1223, "PORT_S": 1224, "PORT_D": 1225, "PORT_D2": 1226, "PORT_D3": 1227,
    "PORT_D4": 1228,
}


class ZoneError(PyEximError):
    """A zone file line that cannot be read; ``loc`` says which."""

    def __init__(self, reason: str, loc: SourceLoc):
        super().__init__(f"{loc}: {reason}")
        self.reason = reason
        self.loc = loc


@record(frozen=True)
class Substitutions:
    """The values of the test harness's placeholders in zone files (runtest do_substitute())."""

    hostipv4: str = DEFAULT_HOSTIPV4
    hostipv6: str = DEFAULT_HOSTIPV6
    hostname: str | None = None
    v4net: str = "224"
    v6net: str = "ff00"
    ports: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))

    def apply(self, text: str) -> str:
        """``text`` with every placeholder replaced, using runtest's word-boundary rules."""
        text = re.sub(r"\bHOSTIPV4\b", self.hostipv4, text)
        text = re.sub(r"\bHOSTIPV6\b", self.hostipv6, text)
        if self.hostname is not None:
            text = re.sub(r"\bHOSTNAME\b", self.hostname, text)
        for name, port in self.ports.items():
            text = re.sub(rf"\b{name}\b", str(port), text)
        # runtest: s?(\b|_)V4NET([\._])?$1$parm_ipv4_test_net$2?g
        text = re.sub(r"(\b|_)V4NET([._])", lambda m: m.group(1) + self.v4net + m.group(2), text)
        return re.sub(r"\bV6NET:", self.v6net + ":", text)

    def v6net_nibbles(self) -> str:
        """V6NET as the reversed nibble labels runtest names its reverse zone file with."""
        return ".".join(reversed(self.v6net))


# ---- record data: one small class per shape, shared by the types of that shape ----

@record(frozen=True)
class Address:
    """A or AAAA data: the address in its canonical text form."""

    address: str


@record(frozen=True)
class Target:
    """NS, CNAME or PTR data: an absolute domain name (``b""`` is the root)."""

    name: bytes


@record(frozen=True)
class MX:
    preference: int
    exchange: bytes


@record(frozen=True)
class SRV:
    priority: int
    weight: int
    port: int
    target: bytes


@record(frozen=True)
class SOA:
    mname: bytes
    rname: bytes
    serial: int
    refresh: int
    retry: int
    expire: int
    minimum: int


@record(frozen=True)
class Text:
    """TXT or SPF data: the character-strings, each at most 255 bytes."""

    strings: tuple[bytes, ...]


@record(frozen=True)
class TLSA:
    usage: int
    selector: int
    matching_type: int
    data: bytes


RData = Address | Target | MX | SRV | SOA | Text | TLSA


@record(frozen=True)
class Record:
    """One resource record of a zone file, with fakens's prefixes.

    ``owner`` is absolute, without the final dot, in the case written (answers use it so);
    ``key`` is its lower-case form for matching. An owner starting ``*`` is a wildcard.
    """

    owner: bytes
    rtype: str
    data: RData
    ttl: int = DEFAULT_TTL
    secure: bool = False
    authoritative: bool = False
    ignored: bool = False
    delay_ms: int = 0
    loc: SourceLoc | None = None

    @property
    def key(self) -> bytes:
        return self.owner.lower()

    def matches(self, name: bytes) -> bool:
        """Whether this record's owner is ``name`` (lower case, no final dot).

        A wildcard ``*.rest`` matches any longer name ending in ``.rest``. (fakens also
        lets it match names shorter than ``.rest``, a bug no query from Exim reaches.)
        """
        key = self.key
        if key.startswith(b"*"):
            return len(name) > len(key) - 1 and name.endswith(key[1:])
        return name == key


@record
class Zone:
    """The records of one zone, in file order (answers keep that order, as fakens does)."""

    name: bytes
    records: list[Record] = field(default_factory=list)
    pass_on_not_found: bool = False

    def merge(self, other: Zone) -> None:
        """Add ``other``'s records (another file for the same zone) after this zone's."""
        self.records.extend(other.records)
        self.pass_on_not_found = self.pass_on_not_found or other.pass_on_not_found

    def apex(self, rtype: str) -> list[Record]:
        """The zone's own records of ``rtype`` (its NS or SOA), ignoring NXDOMAIN-marked ones."""
        return [r for r in self.records
                if r.key == self.name and r.rtype == rtype and not r.ignored]


# ---- parsing ----

def _check_name(name: bytes, loc: SourceLoc) -> bytes:
    """``name`` if it can go on the wire (labels of 1..63 bytes, 255 in all)."""
    if name and (len(name) > 253 or any(not 0 < len(label) <= 63 for label in name.split(b"."))):
        raise ZoneError(f'"{name.decode("latin-1")}" is not a valid domain name', loc)
    return name


def absolute_name(text: str, zone: bytes, loc: SourceLoc) -> bytes:
    """A name from a zone file made absolute as fakens does: no final dot means "+ zone"."""
    if not text or any(c.isspace() for c in text):
        raise ZoneError(f'"{text}" is not a domain name', loc)
    raw = text.encode("latin-1")
    name = raw[:-1] if raw.endswith(b".") else raw + b"." + zone
    return _check_name(name, loc)


def _numbers(text: str, count: int, loc: SourceLoc, what: str) -> tuple[list[int], str]:
    """The first ``count`` decimal fields of ``text``, and what follows them."""
    fields = text.split(None, count)
    if len(fields) < count or not all(f.isdigit() for f in fields[:count]):
        raise ZoneError(f"{what} needs {count} numbers: {text!r}", loc)
    rest = fields[count] if len(fields) > count else ""
    return [int(f) for f in fields[:count]], rest


def _parse_address(text: str, version: int, loc: SourceLoc) -> Address:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        address = None
    if address is None or address.version != version:
        raise ZoneError(f"bad IPv{version} address {text!r}", loc)
    return Address(address.compressed)


def _parse_text(text: str) -> Text:
    """TXT data: a quoted string up to the next quote (no escapes), else the whole rest.

    Further quoted strings make a multi-string record (pyexim extension; fakens stops
    at the first). No string reaches the wire's limit of 255 bytes: lines are cut there.
    """
    strings: list[bytes] = []
    if not text.startswith('"'):
        strings.append(text.encode("latin-1"))
    else:
        rest = text
        while rest.startswith('"'):
            body, _, rest = rest[1:].partition('"')
            strings.append(body.encode("latin-1"))
            rest = rest.lstrip()
    return Text(tuple(strings))


def _parse_tlsa(text: str, loc: SourceLoc) -> TLSA:
    (usage, selector, mtype), hexdata = _numbers(text, 3, loc, "TLSA")
    try:
        data = bytes.fromhex(hexdata)
    except ValueError:
        raise ZoneError(f"TLSA data is not hexadecimal: {hexdata!r}", loc) from None
    return TLSA(usage, selector, mtype, data)


def _parse_soa(text: str, zone: bytes, loc: SourceLoc) -> SOA:
    fields = text.split()
    if len(fields) != 7 or not all(f.isdigit() for f in fields[2:]):
        raise ZoneError(f"SOA needs mname rname serial refresh retry expire minimum: {text!r}",
                        loc)
    rname = fields[1].encode("latin-1")
    serial, refresh, retry, expire, minimum = (int(f) for f in fields[2:])
    return SOA(absolute_name(fields[0], zone, loc),
               _check_name(rname[:-1] if rname.endswith(b".") else rname, loc),
               serial, refresh, retry, expire, minimum)


def parse_rdata(rtype: str, text: str, zone: bytes, loc: SourceLoc) -> RData:
    """The data part of a record line of type ``rtype`` (ZoneError when malformed)."""
    if rtype in ("A", "AAAA"):
        return _parse_address(text, 4 if rtype == "A" else 6, loc)
    if rtype in ("NS", "CNAME", "PTR"):
        return Target(absolute_name(text, zone, loc))
    if rtype == "MX":
        (preference,), exchange = _numbers(text, 1, loc, "MX")
        return MX(preference, absolute_name(exchange, zone, loc))
    if rtype == "SRV":
        (priority, weight, port), target = _numbers(text, 3, loc, "SRV")
        return SRV(priority, weight, port, absolute_name(target, zone, loc))
    if rtype == "SOA":
        return _parse_soa(text, zone, loc)
    if rtype in ("TXT", "SPF"):
        return _parse_text(text)
    if rtype == "TLSA":
        return _parse_tlsa(text, loc)
    raise ZoneError(f'unknown record type "{rtype}"', loc)


_PREFIX = re.compile(r"(DNSSEC |NXDOMAIN |AA |DELAY=(\d*)\s?|TTL=(\d*)\s?)")


def fakens_lines(text: str) -> Iterable[tuple[int, str]]:
    """(line number, line) as fakens's fgets() loop sees them: only the first 255-byte
    piece of an overlong line, trailing white space removed."""
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line[:FAKENS_LINE_BYTES].rstrip()


def parse_zone(text: str, zone: bytes, source: str) -> Zone:
    """The records of one zone file (already substituted); ZoneError for a bad line."""
    result = Zone(zone)
    owner: bytes | None = None
    for number, line in fakens_lines(text):
        loc = SourceLoc(source, number)
        stripped = line.lstrip()
        if not stripped or stripped[0] in ";#":
            continue
        if stripped.startswith("PASS ON NOT FOUND"):
            result.pass_on_not_found = True
            continue
        secure = authoritative = ignored = False
        delay_ms, ttl, pos = 0, DEFAULT_TTL, 0
        while m := _PREFIX.match(line, pos):
            word = m.group(1)
            secure |= word == "DNSSEC "
            authoritative |= word == "AA "
            ignored |= word == "NXDOMAIN "
            if word.startswith("DELAY="):
                delay_ms = int(m.group(2) or 0)
            elif word.startswith("TTL="):
                ttl = int(m.group(3) or 0)
            pos = m.end()
        rest = line[pos:]
        if rest and not rest[0].isspace():
            token = rest.split(None, 1)[0]
            owner = absolute_name(token, zone, loc)
            rest = rest[len(token):]
        elif owner is None:
            raise ZoneError("record with no owner name (a continuation line comes first)", loc)
        fields = rest.split(None, 1)
        if not fields:
            raise ZoneError("record has no type", loc)
        rtype = fields[0]
        if rtype not in RECORD_TYPES:
            raise ZoneError(f'unknown record type "{rtype}"', loc)
        data = parse_rdata(rtype, fields[1].strip() if len(fields) > 1 else "", zone, loc)
        result.records.append(Record(owner, rtype, data, ttl, secure, authoritative, ignored,
                                     delay_ms, loc))
    return result


def zone_name_for_file(filename: str, subst: Substitutions) -> bytes | None:
    """The zone a ``db.*`` file holds (fakens's naming), or None for any other file."""
    if not filename.startswith("db."):
        return None
    rest = filename[3:]
    if rest.startswith("ip4."):
        return (subst.apply(rest[4:] + ".").rstrip(".") + ".in-addr.arpa").encode("latin-1")
    if rest.startswith("ip6."):
        nibbles = rest[4:].replace("V6NET", subst.v6net_nibbles())
        return (nibbles + ".ip6.arpa").encode("latin-1")
    return rest.encode("latin-1")


def runtest_host_zones(hostname: str, subst: Substitutions) -> list[tuple[str, bytes, str]]:
    """The zone files runtest writes for the test host itself, as (source, zone, text).

    A forward zone for the host's domain (its short name with HOSTIPV4 and HOSTIPV6,
    ``PASS ON NOT FOUND``), and reverse entries for the two addresses (test/runtest,
    "Create fake DNS zones for this host"). An empty address is left out, as runtest
    leaves out an address family the host lacks.
    """
    zones: list[tuple[str, bytes, str]] = []
    short, _, domain = hostname.partition(".")
    lines = [f"{short} A {subst.hostipv4}"] if subst.hostipv4 else []
    lines += [f"{short} AAAA {subst.hostipv6}"] if subst.hostipv6 else []
    if domain and lines:
        zones.append(("<host zone>", domain.encode("latin-1"),
                      "PASS ON NOT FOUND\n" + "\n".join(lines) + "\n"))
    if subst.hostipv4 and subst.hostipv4 != "127.0.0.1":
        octets = str(ipaddress.IPv4Address(subst.hostipv4)).split(".")
        zones.append(("<host reverse v4>", f"{octets[0]}.in-addr.arpa".encode(),
                      f"{octets[3]}.{octets[2]}.{octets[1]} PTR {hostname}.\n"))
    if subst.hostipv6 and ipaddress.IPv6Address(subst.hostipv6) != ipaddress.IPv6Address("::1"):
        nibbles = ipaddress.IPv6Address(subst.hostipv6).exploded.replace(":", "")[::-1]
        labels = ".".join(nibbles)
        zones.append(("<host reverse v6>", f"{labels[-7:]}.ip6.arpa".encode(),
                      f"{labels[:-8]} PTR {hostname}.\n"))
    return zones


@record
class ZoneSet:
    """All the zones one server answers from, and the domain single labels are qualified with."""

    zones: dict[bytes, Zone] = field(default_factory=dict)
    qualify: bytes | None = None

    def add(self, zone: Zone) -> None:
        """Add a zone; a second file for the same zone adds its records to the first's."""
        key = zone.name.lower()
        if key in self.zones:
            self.zones[key].merge(zone)
        else:
            self.zones[key] = Zone(key, list(zone.records), zone.pass_on_not_found)

    def add_text(self, text: str, zone: bytes, source: str,
                 subst: Substitutions | None = None) -> None:
        """Parse and add one zone file's text (substituted first when ``subst`` is given)."""
        self.add(parse_zone(subst.apply(text) if subst else text, zone, source))

    def zone_for(self, name: bytes) -> Zone | None:
        """The zone holding ``name`` (lower case): the longest zone name that is a suffix."""
        best: Zone | None = None
        for key, zone in self.zones.items():
            if (name == key or name.endswith(b"." + key)) and (
                    best is None or len(key) > len(best.name)):
                best = zone
        return best


def load_zones(dirs: Sequence[str | Path], subst: Substitutions | None = None,
               hostname: str | None = None) -> ZoneSet:
    """Every ``db.*`` and ``qualify.*`` file of ``dirs``, in order, as one ZoneSet.

    With ``hostname``, the zones runtest writes for the test host are added too.
    Raises ZoneError for a bad line, or for two different ``qualify.*`` files.
    """
    subst = subst or Substitutions(hostname=hostname)
    zoneset = ZoneSet()
    for directory in dirs:
        for path in sorted(Path(directory).iterdir()):
            if path.name.startswith("qualify."):
                qualify = path.name[len("qualify."):].encode("latin-1")
                if zoneset.qualify not in (None, qualify):
                    raise ZoneError("a second qualify file (the first was for "
                                    f"{zoneset.qualify.decode('latin-1')})",
                                    SourceLoc(str(path), 0))
                zoneset.qualify = qualify
                continue
            zone = zone_name_for_file(path.name, subst)
            if zone is not None and path.is_file():
                zoneset.add_text(path.read_bytes().decode("latin-1"), zone, str(path), subst)
    if hostname:
        for source, zone, text in runtest_host_zones(hostname, subst):
            zoneset.add_text(text, zone, source)
    return zoneset
