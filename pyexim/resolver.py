"""The DNS resolver, with Exim's result classes and host lookups (Exim: dns.c, host.c).

Queries go straight to the configured name servers with dnspython (UDP, TCP when the
answer is truncated), so that every outcome maps onto Exim's classes exactly:

=========  =====================================================================
``ok``     records of the type (after following a CNAME, as ``dns_lookup`` does)
``nxdomain`` the name does not exist (Exim's DNS_NOMATCH; also a name that fails
           the DNS syntax check, and an IP address looked up as A/AAAA)
``nodata`` the name exists without records of the type
``again``  timeout or SERVFAIL from every server (try again later)
``fail``   refused, not implemented, format error, CNAME loop
=========  =====================================================================

Failures are remembered for the life of the Resolver (make one per message or session,
as Exim's per-process cache lasts). Host helpers: ``host_find_byname`` (hosts file, then
DNS), ``host_addresses`` (DNS A/AAAA), ``host_name_lookup`` (reverse lookup, each name
verified by a forward lookup, as Exim's ``host_name_lookup``), ``mx_local`` (is this host
among a domain's MX hosts: ``@mx_any`` and friends).

Tests and the test harness point pyexim at a loopback server with two environment
variables (documented in pyexim(8)): ``PYEXIM_RESOLV_CONF`` names a resolv.conf to read
instead of /etc/resolv.conf, and ``PYEXIM_DNS_PORT`` sets the server port (default 53).
"""

from __future__ import annotations

import os
import re

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdatatype

from pyexim.hostaddr import host_is_in_net, is_ip_address, reverse_name
from pyexim.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Mapping, Sequence

OK, NXDOMAIN, NODATA, AGAIN, FAIL = "ok", "nxdomain", "nodata", "again", "fail"

# Exim's default check_dns_names_pattern, as a Python expression: labels of letters,
# digits, "_", "-" and "/" that start and end with a letter, digit or "_".
_DNS_NAME = re.compile(r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9/_-]*[A-Za-z0-9_])?\.)*"
                       r"[A-Za-z0-9_](?:[A-Za-z0-9/_-]*[A-Za-z0-9_])?\.?$")


@record(frozen=True)
class DnsRecord:
    """One resource record of an answer: owner name (no final dot), type name, TTL, data."""

    name: str
    rtype: str
    ttl: int
    rdata: dns.rdata.Rdata


@record(frozen=True)
class DnsAnswer:
    """The outcome of a lookup: ``status`` (see the module docstring) and the records.

    ``records`` holds the whole answer section (CNAMEs included); ``secure`` is the AD
    flag; ``fqdn`` the name the data belongs to when a CNAME was followed.
    """

    status: str
    records: tuple[DnsRecord, ...] = ()
    secure: bool = False
    fqdn: str | None = None

    def of_type(self, rtype: str) -> list[DnsRecord]:
        """The records of type *rtype* (``"MX"``, ``"A"``...)."""
        return [r for r in self.records if r.rtype == rtype]


@record(frozen=True)
class HostAddresses:
    """Addresses of a host name: status ``ok``/``again``/``fail`` and the address list."""

    status: str
    addresses: tuple[str, ...] = ()


@record(frozen=True)
class HostNames:
    """A client's verified name and aliases (status ``ok``, ``fail`` or ``again``).

    ``message`` is Exim's ``host_lookup_msg`` for a failure, e.g. `` (failed to find host
    name from IP address)``.
    """

    status: str
    name: str | None = None
    aliases: tuple[str, ...] = ()
    message: str = ""


@record(frozen=True)
class MxLocal:
    """Where the local host is among a domain's MX hosts (``@mx_any`` and friends).

    ``status``: ``local`` (a local host has the lowest preference), ``found`` (MX hosts
    found, the local host not lowest or absent), ``failed`` (no usable MX), ``again``;
    ``removed``: a local host was found behind lower-preference hosts.
    """

    status: str
    removed: bool = False


def _in_domain_list(list_text: str) -> Callable[[str], bool]:
    """A predicate: is a name in this domain list? (for dns_again_means_nonexist)"""
    from pyexim.lists import SimpleListContext, match_domain
    ctx = SimpleListContext()
    return lambda name: match_domain(name, list_text, ctx).matched


def name_text(name: dns.name.Name) -> str:
    """A domain name as Exim's ``dn_expand`` gives it: no final dot, "" for the root."""
    if name == dns.name.root:
        return ""
    return name.to_text(omit_final_dot=True)


@record
class _Config:
    nameservers: list[str]
    port: int = 53
    timeout: float = 5.0
    attempts: int = 2


def read_resolv_conf(path: str) -> _Config:
    """Name servers, timeout and attempts from a resolv.conf file."""
    cfg = _Config([])
    try:
        with open(path, encoding="latin-1") as f:
            lines = f.read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if not words:
            continue
        if words[0] == "nameserver" and len(words) > 1:
            cfg.nameservers.append(words[1].split("%", 1)[0])
        elif words[0] == "port" and len(words) > 1 and words[1].isdigit():
            cfg.port = int(words[1])
        elif words[0] == "options":
            for opt in words[1:]:
                key, _, value = opt.partition(":")
                if key == "timeout" and value.isdigit():
                    cfg.timeout = float(value)
                elif key == "attempts" and value.isdigit():
                    cfg.attempts = max(1, int(value))
    if not cfg.nameservers:
        cfg.nameservers = ["127.0.0.1"]
    return cfg


class Resolver:
    """Exim's view of the DNS. See the module docstring for the result classes.

    *nameservers*: server addresses; *port*, *timeout* (per query, seconds), *attempts*
    (rounds over the servers); *dnssec*: ask for DNSSEC records (DO bit) and report the
    AD flag; *cname_loops*: how many CNAMEs to follow when the server did not (Exim's
    ``dns_cname_loops``); *again_means_nonexist*: a predicate on the name (Exim's
    ``dns_again_means_nonexist`` domain list); *hosts_file*: read by ``host_find_byname``
    and reverse lookups ``byaddr``; *query*: replaces the exchange with a server (tests:
    it gets the request and returns the response, or None for a timeout).
    """

    def __init__(self, nameservers: Sequence[str] = ("127.0.0.1",), *, port: int = 53,
                 timeout: float = 5.0, attempts: int = 2, dnssec: bool = False,
                 cname_loops: int = 1,
                 again_means_nonexist: Callable[[str], bool] | None = None,
                 hosts_file: str | None = "/etc/hosts",
                 host_lookup_order: str = "bydns:byaddr",
                 query: Callable[[dns.message.Message], dns.message.Message | None]
                 | None = None):
        self.nameservers = list(nameservers)
        self.port = port
        self.timeout = timeout
        self.attempts = attempts
        self.dnssec = dnssec
        self.cname_loops = cname_loops
        self.again_means_nonexist = again_means_nonexist
        self.hosts_file = hosts_file
        self.host_lookup_order = host_lookup_order
        self._query = query
        self._fail_cache: dict[tuple[str, str], DnsAnswer] = {}
        self._hosts: list[tuple[str, list[str]]] | None = None

    @classmethod
    def from_environment(cls, options: Mapping[str, object] | None = None,
                         environ: Mapping[str, str] | None = None) -> Resolver:
        """A resolver from ``PYEXIM_RESOLV_CONF``/``PYEXIM_DNS_PORT`` (else
        /etc/resolv.conf), with the main options ``dns_retrans``, ``dns_retry``,
        ``dns_cname_loops``, ``dns_dnssec_ok``, ``host_lookup_order`` and
        ``dns_again_means_nonexist`` applied when set."""
        env = os.environ if environ is None else environ
        options = options or {}
        cfg = read_resolv_conf(env.get("PYEXIM_RESOLV_CONF") or "/etc/resolv.conf")
        port_text = env.get("PYEXIM_DNS_PORT")
        if port_text and port_text.isdigit():
            cfg.port = int(port_text)
        retrans = options.get("dns_retrans")
        retry = options.get("dns_retry")
        loops = options.get("dns_cname_loops")
        order = options.get("host_lookup_order")
        again_list = options.get("dns_again_means_nonexist")
        again = _in_domain_list(again_list) if isinstance(again_list, str) and again_list \
            else None
        return cls(cfg.nameservers, port=cfg.port, again_means_nonexist=again,
                   timeout=float(retrans) if isinstance(retrans, int) and retrans > 0
                   else cfg.timeout,
                   attempts=retry if isinstance(retry, int) and retry > 0 else cfg.attempts,
                   dnssec=options.get("dns_dnssec_ok") in (1, True),
                   cname_loops=loops if isinstance(loops, int) else 1,
                   host_lookup_order=str(order) if order else "bydns:byaddr")

    # -- one query ------------------------------------------------------------------

    def _send(self, request: dns.message.Message, server: str) -> dns.message.Message | None:
        """One exchange with one server: the response, or None on timeout/network error."""
        if self._query is not None:
            return self._query(request)
        try:
            try:
                return dns.query.udp(request, server, timeout=self.timeout, port=self.port,
                                     raise_on_truncation=True)
            except dns.message.Truncated:
                return dns.query.tcp(request, server, timeout=self.timeout, port=self.port)
        except (dns.exception.Timeout, OSError, dns.exception.DNSException):
            return None

    def _exchange(self, request: dns.message.Message) -> dns.message.Message | str:
        """Ask the servers in turn, as the C resolver does: the first NOERROR or NXDOMAIN
        response; else AGAIN (timeouts, SERVFAIL) or FAIL (REFUSED, NOTIMP, FORMERR)."""
        last: dns.message.Message | None = None
        servers = self.nameservers if self._query is None else ["injected"]
        for _ in range(max(1, self.attempts)):
            for server in servers:
                response = self._send(request, server)
                if response is None:
                    continue
                if response.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                    return response
                last = response
        if last is None:
            return AGAIN
        return AGAIN if last.rcode() == dns.rcode.SERVFAIL else FAIL

    def query(self, name: str, rtype: str) -> DnsAnswer:
        """One DNS question, no CNAME following (Exim's ``dns_basic_lookup``)."""
        key = (name.lower(), rtype)
        cached = self._fail_cache.get(key)
        if cached is not None:
            return cached
        if rtype not in ("PTR", "TXT") and not _DNS_NAME.match(name):
            return DnsAnswer(NXDOMAIN)
        if rtype in ("A", "AAAA") and is_ip_address(name):
            return DnsAnswer(NXDOMAIN)
        try:
            qname = dns.name.from_text(name)
        except (dns.exception.DNSException, ValueError):
            return DnsAnswer(NXDOMAIN)
        request = dns.message.make_query(qname, dns.rdatatype.from_text(rtype),
                                         want_dnssec=self.dnssec)
        if self.dnssec:
            request.flags |= dns.flags.AD
        response = self._exchange(request)
        if isinstance(response, str):
            status = response
            if status == AGAIN and self.again_means_nonexist is not None \
                    and self.again_means_nonexist(name):
                status = NXDOMAIN
            return self._remember(key, DnsAnswer(status))
        if response.rcode() == dns.rcode.NXDOMAIN:
            return self._remember(key, DnsAnswer(NXDOMAIN))
        records = tuple(DnsRecord(name_text(rrset.name), dns.rdatatype.to_text(rrset.rdtype),
                                  rrset.ttl, rd)
                        for rrset in response.answer for rd in rrset)
        if not records:
            return self._remember(key, DnsAnswer(NODATA))
        return DnsAnswer(OK, records, bool(response.flags & dns.flags.AD))

    def _remember(self, key: tuple[str, str], answer: DnsAnswer) -> DnsAnswer:
        self._fail_cache[key] = answer
        return answer

    def lookup(self, name: str, rtype: str) -> DnsAnswer:
        """Exim's ``dns_lookup``: records of *rtype*, following a CNAME the server left."""
        secure = True
        current = name
        fqdn: str | None = None
        for i in range(self.cname_loops + 1):
            answer = self.query(current, rtype)
            if answer.status != OK:
                return answer
            typed = answer.of_type(rtype)
            cnames = answer.of_type("CNAME")
            if i == 0:
                owner = cnames[0].name if cnames else typed[0].name if typed else None
                if owner and owner != name and not owner.startswith("*"):
                    fqdn = owner
            if typed:
                return DnsAnswer(OK, answer.records, answer.secure and secure, fqdn)
            if not cnames:
                return DnsAnswer(FAIL)
            if not answer.secure:
                secure = False
            current = name_text(cnames[-1].rdata.target)  # type: ignore[attr-defined]
        return DnsAnswer(FAIL)

    def special_lookup(self, name: str, rtype: str) -> tuple[DnsAnswer, str]:
        """Exim's ``dns_special_lookup``: also ``MXH``, ``ZNS`` (the nearest enclosing
        zone's name servers), ``SOA`` (nearest), ``CSA`` (Client SMTP Authorization SRV
        records, searching parent domains). Returns the answer and the name it is for."""
        if rtype == "MXH":
            return self.lookup(name, "MX"), name
        if rtype in ("ZNS", "SOA"):
            qtype = "NS" if rtype == "ZNS" else "SOA"
            d = name
            while True:
                answer = self.lookup(d, qtype)
                if answer.status not in (NXDOMAIN, NODATA):
                    return answer, d
                dot = d.find(".")
                if dot < 0:
                    return DnsAnswer(NXDOMAIN), name
                d = d[dot + 1:]
                if not d:
                    return DnsAnswer(NXDOMAIN), name
        if rtype == "CSA":
            return self._csa(name)
        return self.lookup(name, rtype), name

    def _csa(self, name: str) -> tuple[DnsAnswer, str]:
        answer = self.lookup(f"_client._smtp.{name}", "SRV")
        if answer.status in (OK, AGAIN):
            return answer, name
        last_dot = name.rfind(".")
        if last_dot < 0 or answer.status == NXDOMAIN:
            return DnsAnswer(NXDOMAIN), name
        suffix_start = last_dot
        limit = 5
        ipv6 = False
        lower = name.lower()
        if lower.endswith(".arpa"):
            if lower.endswith(".in-addr.arpa") and len(name) - 13 > 0:
                suffix_start, limit = len(name) - 13, 3
            elif lower.endswith(".ip6.arpa") and len(name) - 9 > 0:
                suffix_start, limit, ipv6 = len(name) - 9, 3, True
        for _ in range(limit):
            if ipv6:
                suffix_start -= 8
                if suffix_start <= 0:
                    return DnsAnswer(NXDOMAIN), name
            else:
                suffix_start = name.rfind(".", 0, suffix_start)
                if suffix_start <= 0:
                    return DnsAnswer(NXDOMAIN), name
            parent = name[suffix_start + 1:]
            answer = self.lookup(f"_client._smtp.{parent}", "SRV")
            if answer.status == AGAIN:
                return answer, name
            if answer.status != OK:
                continue
            for rec in answer.of_type("SRV"):
                rd = rec.rdata
                if rd.priority == 1 and rd.port & 1:  # type: ignore[attr-defined]
                    return answer, parent
        return DnsAnswer(NXDOMAIN), name

    # -- hosts ----------------------------------------------------------------------

    def host_addresses(self, name: str) -> HostAddresses:
        """A host's addresses from the DNS, AAAA then A (``host_find_bydns`` by address)."""
        addresses: list[str] = []
        deferred = False
        for rtype in ("AAAA", "A"):
            answer = self.lookup(name, rtype)
            if answer.status == OK:
                addresses.extend(r.rdata.address  # type: ignore[attr-defined]
                                 for r in answer.of_type(rtype))
            elif answer.status == AGAIN:
                deferred = True
        if addresses:
            return HostAddresses(OK, tuple(dict.fromkeys(addresses)))
        return HostAddresses(AGAIN if deferred else FAIL)

    def _hosts_entries(self) -> list[tuple[str, list[str]]]:
        if self._hosts is None:
            self._hosts = []
            if self.hosts_file:
                try:
                    with open(self.hosts_file, encoding="latin-1") as f:
                        for line in f:
                            words = line.split("#", 1)[0].split()
                            if len(words) >= 2 and is_ip_address(words[0]):
                                self._hosts.append((words[0], [w.lower() for w in words[1:]]))
                except OSError:
                    pass
        return self._hosts

    def host_find_byname(self, name: str) -> HostAddresses:
        """A host's addresses the way the C library finds them: hosts file, then DNS."""
        lname = name.lower()
        found = [addr for addr, names in self._hosts_entries() if lname in names]
        if found:
            return HostAddresses(OK, tuple(dict.fromkeys(found)))
        return self.host_addresses(name)

    def host_name_lookup(self, address: str) -> HostNames:
        """The verified host name and aliases of *address* (Exim's ``host_name_lookup``).

        Names come from PTR records (``bydns``) or the hosts file (``byaddr``), in the
        order of ``host_lookup_order``; each name is kept only when a forward DNS lookup
        gives *address* back.
        """
        names: list[str] = []
        for order in (w.strip().lower() for w in self.host_lookup_order.split(":")):
            if order == "bydns":
                answer = self.lookup(reverse_name(address), "PTR")
                if answer.status == AGAIN:
                    return HostNames(AGAIN)
                if answer.status == OK:
                    names = [name_text(r.rdata.target).lower()  # type: ignore[attr-defined]
                             for r in answer.of_type("PTR")]
                    names = [n for n in names if n]
                    if names:
                        break
            elif order == "byaddr":
                for addr, hnames in self._hosts_entries():
                    if host_is_in_net(addr, address, 0) and addr.count(":") == \
                            address.count(":"):
                        names = list(hnames)
                        break
                if names:
                    break
        if not names:
            return HostNames(FAIL, message=" (failed to find host name from IP address)")
        verified: list[str] = []
        for hname in names:
            found = self.host_addresses(hname)
            if found.status == AGAIN:
                return HostNames(AGAIN)
            if found.status == OK and any(host_is_in_net(a, address, 0)
                                          for a in found.addresses):
                verified.append(hname)
        if not verified:
            return HostNames(FAIL, message=f" ({address} does not match any IP address for "
                                           f"{names[0]})")
        return HostNames(OK, verified[0], tuple(verified[1:]))

    def mx_local(self, domain: str, interfaces: Sequence[str],
                 ignored: Callable[[str], bool] | None = None,
                 treat_as_local: Callable[[str], bool] | None = None) -> MxLocal:
        """Look a domain's MX hosts up and find where the local host is among them."""
        answer = self.lookup(domain, "MX")
        if answer.status == AGAIN:
            return MxLocal(AGAIN)
        if answer.status != OK:
            return MxLocal("failed")
        mxs = sorted(((r.rdata.preference, name_text(r.rdata.exchange))  # type: ignore
                      for r in answer.of_type("MX")), key=lambda m: m[0])
        hosts: list[tuple[int, str, str]] = []
        deferred = False
        for pref, host in mxs:
            if not host:
                continue
            found = self.host_addresses(host)
            if found.status == AGAIN:
                deferred = True
            for address in found.addresses:
                if ignored is None or not ignored(address):
                    hosts.append((pref, host, address))
        if not hosts:
            return MxLocal(AGAIN if deferred else "failed")
        status = "failed"
        prev_group_done = False
        for i, (pref, host, address) in enumerate(hosts):
            local = (treat_as_local is not None and treat_as_local(host)) or \
                address == "0.0.0.0" or address in interfaces
            if local:
                return MxLocal("local") if not prev_group_done else MxLocal(
                    "found" if status == "found" else status, removed=True)
            status = "found"
            if i + 1 == len(hosts) or hosts[i + 1][0] != pref:
                prev_group_done = True
        return MxLocal(status)
