"""The dnsdb lookup: DNS records as lookup data (Exim: lookups/dnsdb.c).

Query syntax: ``[>S[,T|;]] [modifier,]... [type=]domain-list``

- ``>S`` separates multiple records with S (default newline); ``,T`` joins the strings of
  one TXT/SPF record with T, ``;`` concatenates them (default: TXT gives its first string
  only, SPF concatenates); T also separates the fields of MX, SRV, TLSA and SOA records
  (default space; SOA shows its other fields only when T is given);
- modifiers: ``defer_strict`` (any DNS failure defers), ``defer_lax`` (the default: defer
  only if nothing was found), ``defer_never``; ``dnssec_strict|lax|never``;
  ``retrans_<time>``, ``retry_<count>``;
- types: a (default TXT), a+ (AAAA and A), aaaa, cname, csa, mx, mxh (host names only),
  ns, ptr (an IP address is reversed for you), soa, spf, srv, tlsa, txt, zns (the name
  servers of the nearest enclosing zone);
- the domains are an Exim list (``<;`` changes the separator; a lone IPv6 address for
  ``ptr`` needs no separator change).
"""

from __future__ import annotations

from pyexim.hostaddr import is_ip_address, reverse_name
from pyexim.lookups.base import QUERY, Expander, Found, LookupDefer, LookupType
from pyexim.strings import lower, strtol
from pyexim.timevalue import read_time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

TYPES = ("a", "a+", "aaaa", "cname", "csa", "mx", "mxh", "ns", "ptr", "soa", "spf", "srv",
         "tlsa", "txt", "zns")
_SPACE = " \t\n\r\v\f"


def _cstr(text: str) -> str:
    """What C's string functions see of *text*: everything before the first NUL."""
    nul = text.find("\0")
    return text if nul < 0 else text[:nul]


def _name(rd: Any, attr: str) -> str:
    from pyexim.resolver import name_text
    return name_text(getattr(rd, attr))


def _strings(rd: Any) -> list[str]:
    return [s.decode("latin-1") for s in rd.strings]


class Dnsdb(LookupType):
    """``dnsdb``: query style."""

    name = "dnsdb"
    style = QUERY

    def find(self, handle: Any, filename: str | None, key: str, opts: str | None,
             ctx: Any, *, expand: Expander | None = None) -> Found | None:
        q = key.lstrip(_SPACE)
        outsep = "\n"
        outsep2: str | None = None
        if q.startswith(">"):
            outsep = q[1:2] or "\0"
            q = q[2:]
            if q.startswith(","):
                outsep2 = q[1:2] or "\0"
                q = q[2:]
            elif q.startswith(";"):
                outsep2 = ""
                q = q[1:]
            q = q.lstrip(_SPACE)

        defer_mode, dnssec_mode = "lax", "lax"
        retrans: int | None = None
        retry: int | None = None
        while True:
            low = lower(q)
            if low.startswith("defer_") or low.startswith("dnssec_"):
                which = "defer" if low.startswith("defer_") else "dnssec"
                q = q[len(which) + 1:]
                low = lower(q)
                for mode in ("strict", "lax", "never"):
                    if low.startswith(mode):
                        q = q[len(mode):]
                        if which == "defer":
                            defer_mode = mode
                        else:
                            dnssec_mode = mode
                        break
                else:
                    raise LookupDefer(f"unsupported dnsdb {which} behaviour")
            elif low.startswith("retrans_"):
                q = q[8:]
                comma = q.find(",")
                value = read_time(q, ",") if comma >= 0 else -1
                if value <= 0:
                    raise LookupDefer("unsupported dnsdb timeout value")
                retrans = value
                q = q[comma:]
            elif low.startswith("retry_"):
                value, used, _overflow = strtol(q[6:], 0)
                if value < 0:
                    raise LookupDefer("unsupported dnsdb retry count")
                retry = value
                q = q[6 + used:]
            else:
                break
            q = q.lstrip(_SPACE)
            if not q.startswith(","):
                raise LookupDefer("dnsdb modifier syntax error")
            q = q[1:].lstrip(_SPACE)

        rtype = "txt"
        equals = q.find("=")
        if equals >= 0:
            tname = lower(q[:equals].rstrip(_SPACE))
            if tname not in TYPES:
                raise LookupDefer("unsupported DNS record type")
            rtype = tname
            q = q[equals + 1:].lstrip(_SPACE)

        from pyexim.strings import SINGLE_ITEM
        sep: str | None = None
        if rtype == "ptr" and not q.startswith("<") and is_ip_address(q):
            sep = SINGLE_ITEM
        if outsep2 is None:
            outsep2 = {"spf": "", "srv": " ", "mx": " ", "tlsa": " "}.get(rtype)

        resolver = ctx.resolver
        saved = (resolver.timeout, resolver.attempts, resolver.dnssec)
        if retrans is not None:
            resolver.timeout = float(retrans)
        if retry is not None:
            resolver.attempts = retry
        resolver.dnssec = dnssec_mode != "never"
        try:
            return self._run(q, sep, rtype, outsep, outsep2, defer_mode, dnssec_mode, ctx)
        finally:
            resolver.timeout, resolver.attempts, resolver.dnssec = saved

    def _run(self, domains: str, sep: str | None, rtype: str, outsep: str,
             outsep2: str | None, defer_mode: str, dnssec_mode: str,
             ctx: Any) -> Found | None:
        from pyexim.strings import list_items
        resolver = ctx.resolver
        parts: list[str] = []
        failrc_defer = False
        ttl: int | None = None
        for domain in list_items(domains, sep):
            if rtype in ("ptr", "csa") and is_ip_address(domain):
                domain = reverse_name(domain)
            searches = ["AAAA", "A"] if rtype == "a+" else [rtype.upper()]
            for search in searches:
                if rtype in ("mxh", "zns", "csa", "soa"):
                    answer, found = resolver.special_lookup(domain, rtype.upper())
                else:
                    answer, found = resolver.lookup(domain, search), domain
                ctx.dnssec_authenticated = None if dnssec_mode == "never" else \
                    ("yes" if answer.secure else "no")
                if answer.status in ("nxdomain", "nodata"):
                    continue
                if answer.status != "ok" or (dnssec_mode == "strict" and not answer.secure):
                    if defer_mode == "strict":
                        raise LookupDefer("")
                    if defer_mode == "lax":
                        failrc_defer = True
                    continue
                want = {"MXH": "MX", "CSA": "SRV", "ZNS": "NS"}.get(search, search)
                for rec in answer.records:
                    if rec.rtype != want:
                        continue
                    ttl = rec.ttl if ttl is None else min(ttl, rec.ttl)
                    self._render(rec, rtype, outsep, outsep2, parts, found, domain)
        if not parts:
            if failrc_defer:
                raise LookupDefer("")
            return None
        # A NUL separator ends the C string Exim builds: nothing after it is seen.
        return Found(_cstr("".join(parts)), ttl=ttl)

    @staticmethod
    def _render(rec: Any, rtype: str, outsep: str, outsep2: str | None, parts: list[str],
                found: str, domain: str) -> None:
        rd = rec.rdata
        if rtype in ("a", "aaaa", "a+"):
            if parts:
                parts.append(outsep)
            parts.append(rd.address)
            return
        if parts:
            parts.append(outsep)
        sep2 = (outsep2 or "\0")[0] if outsep2 is not None else "\0"
        if rtype in ("txt", "spf"):
            strings = _strings(rd)
            if outsep2 is None:
                parts.append(strings[0] if strings else "")
            else:
                parts.append((outsep2[0] if outsep2 else "").join(strings))
            return
        if rtype == "tlsa":
            head = f"{rd.usage}{sep2}{rd.selector}{sep2}{rd.mtype}{sep2}"
            parts.append(_cstr(head + rd.cert.hex()))
            return
        if rtype == "mx":
            parts.append(_cstr(f"{rd.preference}{sep2}"))
            parts.append(_name(rd, "exchange"))
        elif rtype == "mxh":
            parts.append(_name(rd, "exchange"))
        elif rtype == "srv":
            parts.append(_cstr(f"{rd.priority}{sep2}{rd.weight}{sep2}{rd.port}{sep2}"))
            parts.append(_name(rd, "target"))
        elif rtype == "csa":
            if rd.priority != 1:
                return
            if found != domain:
                flag = "X" if rd.port & 1 else "?"
            elif rd.weight < 2:
                flag = "N"
            elif rd.weight == 2:
                flag = "Y"
            elif rd.weight == 3:
                flag = "?"
            else:
                return
            parts.append(flag + " " + _name(rd, "target"))
        elif rtype == "soa":
            parts.append(_name(rd, "mname"))
            if outsep2 is not None:
                parts.append(sep2 + _name(rd, "rname"))
                parts.append(f"{sep2}{rd.serial}{sep2}{rd.refresh}{sep2}{rd.retry}"
                             f"{sep2}{rd.expire}{sep2}{rd.minimum}")
        else:
            parts.append(_name(rd, "target"))


DNSDB = Dnsdb()
