"""Finding hosts for routed addresses (Exim: host.c host_build_hostlist, host_find_byname,
host_find_bydns, host_scan_for_local_hosts; spec: "DNS lookups", "The dnslookup router",
"The manualroute router").

Host lists are Python lists of ``Host``; each finder takes one host item and returns
the items that replace it (several when a name has several addresses or MX records),
with Exim's return codes. Hosts of equal MX preference and the addresses of one host
are ordered by Exim's sort keys with its own pseudo-random numbers (``EximRandom``),
so a seeded generator gives Exim's test-harness order.
"""

from __future__ import annotations

import bisect
import os
import time

from pyexim.hostaddr import is_ip_address
from pyexim.record import record
from pyexim.routers.item import MX_NONE, PORT_NONE, Host

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.resolver import DnsAnswer
    from pyexim.routers.chain import Routing

# Return codes of the finders (Exim: HOST_*).
FIND_FAILED = "HOST_FIND_FAILED"
FIND_AGAIN = "HOST_FIND_AGAIN"
FIND_SECURITY = "HOST_FIND_SECURITY"
FOUND = "HOST_FOUND"
FOUND_LOCAL = "HOST_FOUND_LOCAL"
IGNORED = "HOST_IGNORED"

# What host_find_bydns looks for (Exim: HOST_FIND_*).
BY_SRV = 0x01
BY_MX = 0x02
BY_A = 0x04
BY_AAAA = 0x08
QUALIFY_SINGLE = 0x10
SEARCH_PARENTS = 0x20
IPV4_FIRST = 0x40
IPV4_ONLY = 0x80

# How rf_lookup_hostlist looks a configured host up (Exim: LK_*).
LK_DEFAULT = 0x01
LK_BYNAME = 0x02
LK_BYDNS = 0x04
LK_IPV4_ONLY = 0x08
LK_IPV4_PREFER = 0x10


class EximRandom:
    """Exim's random_number(): a 32-bit linear congruential generator.

    Seeded from the time and the process id unless a seed is given (Exim's test
    harness uses 42), so the order of equal-preference hosts matches Exim's only
    when both start from the same seed.
    """

    def __init__(self, seed: int = 0):
        self.seed = seed

    def number(self, limit: int) -> int:
        """A number from 0 to limit-1."""
        if limit < 1:
            return 0
        if self.seed == 0:
            pid = os.getpid()
            self.seed = _int32(int(time.time()) ^ ((pid << 16) | pid))
        self.seed = _int32(1103515245 * self.seed + 12345)
        return ((self.seed >> 16) & 0xFFFFFFFF) % limit


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def build_hostlist(text: str | None, randomize: bool, rng: EximRandom) -> list[Host]:
    """Host items for a configured list (Exim's host_build_hostlist).

    With *randomize*, items are given random sort keys, "+" items start a new group
    that stays after the previous one; without it the order is kept.
    """
    from pyexim.strings import list_items
    if text is None:
        return []
    fake_mx = MX_NONE - 1 if randomize else MX_NONE
    hosts: list[Host] = []
    keys: list[int] = []
    for name in list_items(text):
        if name == "+":
            if randomize:
                fake_mx -= 1
            continue
        key = (-fake_mx) * 1000 + rng.number(1000) if randomize else 0
        index = bisect.bisect_right(keys, key)
        keys.insert(index, key)
        hosts.insert(index, Host(name, mx=fake_mx, sort_key=key))
    return hosts


def item_get_port(host: Host) -> int:
    """Take a ``:port`` off a configured host name (Exim's host_item_get_port).

    ``name:25`` (a name without other colons) and ``[addr]:25`` carry a port; the
    name is changed to leave it out. Returns the port, or PORT_NONE.
    """
    name = host.name
    n = len(name)
    if n < 3 or not name[-1].isdigit():
        return PORT_NONE
    p = n - 1
    while p > 1 and name[p - 1].isdigit():
        p -= 1
    p -= 1
    if name[p] != ":":
        return PORT_NONE
    port = int(name[p + 1:])
    if name[p - 1] == "]" and name[0] == "[":
        host.name = name[1:p - 1]
    elif name.find(":") == p:
        host.name = name[:p]
    else:
        return PORT_NONE
    return port


@record
class DnsFind:
    """What host_find_bydns found: the code, the hosts, the domain's full name."""

    rc: str
    hosts: list[Host]
    fully_qualified_name: str
    removed: bool = False


class HostFinder:
    """Host lookups for one routing run (what host.c does with the resolver)."""

    def __init__(self, run: Routing):
        self.run = run
        self.syntax_error = False      # Exim's f.host_find_failed_syntax

    # -- helpers ---------------------------------------------------------------

    def _in_domains(self, name: str, option: str | None) -> bool:
        if not option:
            return False
        return self.run.match_domain_plain(name, option)

    def _ignored(self, ignore: str | None, name: str, address: str) -> bool:
        return ignore is not None and ignore != "" and \
            self.run.match_this_host(ignore, name, address)

    def _ipv4_only(self, name: str) -> bool:
        run = self.run
        return bool(run.option("disable_ipv6")) or self._in_domains(
            name, run.option_str("dns_ipv4_lookup"))

    def _dns(self, name: str, rtype: str) -> DnsAnswer:
        """A DNS lookup with Exim's name syntax check (dns_check_names_pattern)."""
        from pyexim.resolver import DnsAnswer
        if not self.run.dns_name_ok(name):
            self.syntax_error = True
            return DnsAnswer("nxdomain")
        return self.run.resolver.lookup(name, rtype)

    # -- by name (the C library's way) ----------------------------------------

    def find_byname(self, host: Host, ignore: str | None,
                    local_check: bool = True) -> tuple[str, list[Host]]:
        """Addresses for a host name as gethostbyname2() finds them (hosts file, then
        DNS), IPv6 first; the items that replace *host* and the code."""
        self.syntax_error = False
        families = ("A",) if self._ipv4_only(host.name) else ("AAAA", "A")
        found: list[Host] = []
        temp_error = False
        for rtype in families:
            addresses, canonical, again = self._byname_family(host.name, rtype)
            temp_error = temp_error or again
            if not addresses:
                continue
            if canonical and canonical != host.name:
                host.name = canonical
            for address in addresses:
                if self._ignored(ignore, host.name, address):
                    continue
                if not found:
                    host.address, host.port = address, PORT_NONE
                    host.status, host.why, host.dnssec = "unknown", "unknown", "unknown"
                    found.append(host)
                else:
                    found.append(Host(host.name, address, mx=host.mx))
        if not found:
            if temp_error:
                if self._in_domains(host.name, self.run.option_str("dns_again_means_nonexist")):
                    return FIND_FAILED, [host]
                return FIND_AGAIN, [host]
            return FIND_FAILED, [host]
        found = _without_duplicates(found)
        if not local_check:
            return FOUND, found
        rc, found, _removed = self.scan_for_local_hosts(found)
        return rc, found

    def _byname_family(self, name: str, rtype: str) -> tuple[list[str], str | None, bool]:
        """(addresses, canonical name, temporary error) for one address family."""
        version = is_ip_address(name)
        if version:
            wanted = 6 if rtype == "AAAA" else 4
            return ([name], None, False) if version == wanted else ([], None, False)
        six = rtype == "AAAA"
        lname = name.lower()
        for address, names in self.run.hosts_file_entries():
            if (":" in address) == six and lname in (n.lower() for n in names):
                matches = [a for a, ns in self.run.hosts_file_entries()
                           if (":" in a) == six and lname in (n.lower() for n in ns)]
                return list(dict.fromkeys(matches)), names[0], False
        answer = self._dns(name, rtype)
        if answer.status == "ok":
            records = answer.of_type(rtype)
            canonical = records[0].name if records else None
            return [r.rdata.address for r in records], canonical, False  # type: ignore
        return [], None, answer.status in ("again", "fail")

    # -- by DNS ------------------------------------------------------------------

    def set_address_from_dns(self, host: Host, ignore: str | None, allow_ip: bool,
                             dnssec_request: bool, dnssec_require: bool,
                             whichrrs: int) -> tuple[str, list[Host], str | None]:
        """Fill in the addresses of *host* from AAAA and A records (Exim's
        set_address_from_dns). Returns the code, the items for this host (several
        when it is multi-homed, in sort-key order) and the fully qualified name."""
        if allow_ip and is_ip_address(host.name):
            if self._ignored(ignore, host.name, host.name):
                return IGNORED, [host], None
            host.address = host.name
            return FOUND, [host], None
        chain: list[Host] = []
        keys: list[int] = []
        fqdn: str | None = None
        v6_again = False
        dnssec_fail = False
        first = 1 if (whichrrs & BY_AAAA and not self._ipv4_only(host.name)) else 0
        for i in range(first, -1, -1):
            rtype = "AAAA" if i == 1 else "A"
            randoffset = 500 if i == (1 if whichrrs & IPV4_FIRST else 0) else 0
            answer = self._dns(host.name, rtype)
            if answer.status != "ok":
                if i == 0:
                    if host.address is not None:
                        return FOUND, chain, fqdn
                    if answer.status in ("again", "fail") or v6_again:
                        return FIND_AGAIN, [host], fqdn
                    return FIND_FAILED, [host], fqdn
                if answer.status not in ("nxdomain", "nodata"):
                    v6_again = True
                continue
            if fqdn is None and answer.fqdn:
                fqdn = answer.fqdn
            if dnssec_request:
                if answer.secure:
                    if host.dnssec == "unknown":
                        host.dnssec = "yes"
                elif dnssec_require:
                    dnssec_fail = True
                    continue
                elif host.dnssec == "yes":
                    host.dnssec = "no"
            for rr in answer.of_type(rtype):
                address = rr.rdata.address  # type: ignore[attr-defined]
                if self._ignored(ignore, host.name, address):
                    continue
                key = host.mx * 1000 + self.run.rng.number(500) + randoffset
                if not chain:
                    if host.name.lower() != rr.name.lower():
                        host.name = rr.name
                    host.address = address
                    host.sort_key = key
                    host.status = host.why = "unknown"
                    chain.append(host)
                    keys.append(key)
                    continue
                if any(h.address == address for h in chain):
                    continue
                new = host.copy()
                new.address, new.sort_key = address, key
                index = bisect.bisect_right(keys, key)
                keys.insert(index, key)
                chain.insert(index, new)
        if host.address is not None:
            return FOUND, chain, fqdn
        return (FIND_SECURITY if dnssec_fail else IGNORED), [host], fqdn

    def find_bydns(self, host: Host, ignore: str | None, whichrrs: int,
                   srv_service: str | None = None, srv_fail_domains: str | None = None,
                   mx_fail_domains: str | None = None,
                   dnssec: tuple[str | None, str | None] = (None, None)) -> DnsFind:
        """MX (or SRV) records for a domain, then the addresses of their hosts; or the
        domain's own addresses when it has no MX (Exim's host_find_bydns)."""
        run = self.run
        self.syntax_error = False
        name = host.name
        request_list, require_list = dnssec
        dnssec_require = require_list is not None and require_list != "" and \
            run.match_domain_plain(name, require_list)
        dnssec_request = dnssec_require or (
            request_list is not None and request_list != ""
            and run.match_domain_plain(name, request_list))
        fqdn = name
        status = "fail"
        answer: DnsAnswer | None = None
        ind_type = ""
        host_dnssec = "unknown"
        if whichrrs & BY_SRV:
            ind_type = "SRV"
            answer = self._dns(f"_{srv_service}._tcp.{name}", "SRV")
            status = answer.status
            if dnssec_request:
                host_dnssec = "yes" if answer.secure else "no"
            if status == "ok" and dnssec_require and not answer.secure:
                status = "fail"
            if status in ("fail", "again") and not self._in_domains(name, srv_fail_domains):
                return DnsFind(FIND_AGAIN, [host], fqdn)
        if status != "ok" and whichrrs & BY_MX:
            ind_type = "MX"
            answer = self._dns(name, "MX")
            status = answer.status
            if answer.fqdn:
                fqdn = answer.fqdn
            if dnssec_request:
                host_dnssec = "yes" if answer.secure else "no"
            if status == "nxdomain":
                return DnsFind(FIND_FAILED, [host], fqdn)
            if status == "ok" and dnssec_require and not answer.secure:
                if not self._in_domains(name, mx_fail_domains):
                    return DnsFind(FIND_SECURITY, [host], fqdn)
                status = "fail"
            if status in ("fail", "again") and not self._in_domains(name, mx_fail_domains):
                return DnsFind(FIND_AGAIN, [host], fqdn)

        if status != "ok":
            if not whichrrs & (BY_A | BY_AAAA):
                return DnsFind(FIND_FAILED, [host], fqdn)
            host.mx, host.port, host.dnssec = MX_NONE, PORT_NONE, "unknown"
            rc, chain, a_fqdn = self.set_address_from_dns(host, ignore, False, dnssec_request,
                                                          dnssec_require, whichrrs)
            if a_fqdn:
                fqdn = a_fqdn
            removed = False
            if rc == FOUND:
                rc, chain, removed = self.scan_for_local_hosts(chain)
            elif rc == IGNORED:
                rc = FIND_FAILED
            return DnsFind(rc, chain, fqdn, removed)

        assert answer is not None
        hosts = self._indirect_hosts(answer, ind_type, host, host_dnssec)
        if not hosts:
            return DnsFind(FIND_FAILED, [host], fqdn)
        if ind_type == "SRV":
            if len(hosts) == 1 and hosts[0].name == "":
                return DnsFind(FIND_FAILED, hosts, fqdn)
            hosts = self._srv_order(hosts)

        yield_ = FIND_FAILED
        allow_mx_to_ip = bool(run.option("allow_mx_to_ip"))
        rrs = BY_A if whichrrs & IPV4_ONLY else BY_A | BY_AAAA
        expanded: list[Host] = []
        for h in hosts:
            if h.address is not None:
                expanded.append(h)
                continue
            rc, chain, _fq = self.set_address_from_dns(h, ignore, allow_mx_to_ip,
                                                       dnssec_request, dnssec_require, rrs)
            if rc != FOUND:
                h.status = "unusable"
                if rc == FIND_AGAIN:
                    yield_, h.why = rc, "deferred"
                elif rc == FIND_SECURITY:
                    yield_, h.why = rc, "insecure"
                elif rc == IGNORED:
                    h.why = "ignored"
                else:
                    h.why = "failed"
            expanded.extend(chain)
        hosts = expanded

        if ignore:
            kept = [h for h in hosts if h.why != "ignored"]
            if not kept:
                # A single ignored host stays, flattened as if nothing was found.
                hosts = hosts[-1:]
                hosts[0].address = None
            else:
                hosts = kept
        if len(hosts) > 1 and not run.option("disable_ipv6"):
            _ipv6_first_within_mx(hosts, bool(whichrrs & IPV4_FIRST))
        hosts = _without_duplicates(hosts)
        rc, hosts, removed = self.scan_for_local_hosts(hosts)
        if rc != FIND_FAILED:
            yield_ = rc
        return DnsFind(yield_, hosts, fqdn, removed)

    def _indirect_hosts(self, answer: DnsAnswer, ind_type: str, host: Host,
                        host_dnssec: str) -> list[Host]:
        """Host items for MX or SRV records, sorted by preference and a random weight,
        keeping only the lowest preference of a host named twice."""
        from pyexim.resolver import name_text
        hosts: list[Host] = []
        for rr in answer.of_type(ind_type):
            rd = rr.rdata
            if ind_type == "MX":
                precedence, weight, port = rd.preference, self.run.rng.number(500), PORT_NONE  # type: ignore[attr-defined]
                target = name_text(rd.exchange)  # type: ignore[attr-defined]
            else:
                precedence, weight, port = rd.priority, rd.weight, rd.port  # type: ignore[attr-defined]
                target = name_text(rd.target)  # type: ignore[attr-defined]
            duplicate = next((h for h in hosts if h.name.lower() == target.lower()), None)
            if duplicate is not None:
                if precedence >= duplicate.mx:
                    continue
                if duplicate is hosts[0]:
                    duplicate.mx = precedence
                    duplicate.sort_key = precedence * 1000 + weight
                    continue
                hosts.remove(duplicate)
            key = precedence * 1000 + weight
            new = Host(target, port=port, mx=precedence, sort_key=key, dnssec=host_dnssec)
            index = len(hosts)
            for i, existing in enumerate(hosts):
                if key < existing.sort_key:
                    index = i
                    break
            hosts.insert(index, new)
        return hosts

    def _srv_order(self, hosts: list[Host]) -> list[Host]:
        """RFC 2782 weighted order within each priority (Exim's SRV sorting)."""
        out: list[Host] = []
        i = 0
        while i < len(hosts):
            j = i
            while j + 1 < len(hosts) and hosts[j + 1].mx == hosts[i].mx:
                j += 1
            group = hosts[i:j + 1]
            while group:
                total = 0
                running = []
                for h in group:
                    total += h.sort_key % 1000
                    running.append(total)
                chosen = 0
                if len(group) > 1:
                    randomizer = self.run.rng.number(total + 1)
                    chosen = next((k for k, r in enumerate(running) if r >= randomizer),
                                  len(group) - 1)
                h = group.pop(chosen)
                h.sort_key = h.mx * 1000 + self.run.rng.number(500)
                out.append(h)
            i = j + 1
        return out

    # -- the local host ----------------------------------------------------------

    def scan_for_local_hosts(self, hosts: list[Host]) -> tuple[str, list[Host], bool]:
        """Is one of *hosts* this machine? (Exim's host_scan_for_local_hosts)

        If a local host has the lowest MX value: FOUND_LOCAL. Otherwise the local host
        and everything from its MX value on are removed (``removed``), and the code is
        FOUND when an address is left, else FIND_FAILED.
        """
        run = self.run
        interfaces = run.local_interfaces()
        treat_as_local = run.option_str("hosts_treat_as_local")
        yield_ = FIND_FAILED
        prev = -1
        for i, h in enumerate(hosts):
            local = treat_as_local is not None and treat_as_local != "" and \
                run.match_domain_plain(h.name.lower(), treat_as_local)
            if not local and h.address is not None:
                local = h.address == "0.0.0.0" or h.address in interfaces
                if not local:
                    yield_ = FOUND
            if local:
                if prev < 0:
                    return FOUND_LOCAL, hosts, False
                return yield_, hosts[:prev + 1], True
            if i + 1 == len(hosts) or hosts[i + 1].mx != h.mx:
                prev = i
        return yield_, hosts, False


def _without_duplicates(hosts: list[Host]) -> list[Host]:
    """Later items with an address already seen are dropped (host_remove_duplicates)."""
    seen: set[str] = set()
    out = []
    for h in hosts:
        if h.address is not None:
            if h.address in seen:
                continue
            seen.add(h.address)
        out.append(h)
    return out


def _ipv6_first_within_mx(hosts: list[Host], ipv4_first: bool) -> None:
    """One pass swapping neighbours of equal MX so IPv6 (or IPv4) addresses come first."""
    for i in range(len(hosts) - 1):
        h, nxt = hosts[i], hosts[i + 1]
        if h.mx != nxt.mx or h.address is None:
            continue
        if ipv4_first:
            if ":" not in h.address or (nxt.address is not None and ":" in nxt.address):
                continue
        elif ":" in h.address or (nxt.address is not None and ":" not in nxt.address):
            continue
        hosts[i], hosts[i + 1] = nxt, h
