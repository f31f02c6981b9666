"""The ``dnslists`` condition: DNS black lists (Exim: dnsbl.c; spec: "DNS black lists").

``dnslists = [+include_unknown :] list.example[=127.0.0.2][/key] : ...`` looks the
client's inverted address (or each key, inverted when it is an IP address) up in each
list domain until one answers. ``=a,b`` (any returned address among these), ``==`` (all
of them), ``&`` / ``=&`` (bit masks) and a leading ``!`` (invert) filter the answers; a
``txtdomain,domain`` form takes the TXT record from another domain. A match sets
``$dnslist_domain``, ``$dnslist_matched``, ``$dnslist_value`` and ``$dnslist_text``.
Answers are remembered for the session, with their TTL (at most an hour).
"""

from __future__ import annotations

from pyexim.acl.engine import Call
from pyexim.acl.where import Rc, Where
from pyexim.hostaddr import host_aton, is_ip_address, reverse_name
from pyexim.record import record
from pyexim.strings import list_items

MT_NOT, MT_ALL = 1, 2
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")


@record
class _Cached:
    """One remembered A lookup of a list: status, returned addresses, TXT when looked up."""

    status: str
    addresses: list[str]
    expiry: float
    text: str | None = None
    text_set: bool = False


def _inverted(address: str) -> str:
    name = reverse_name(address)
    return name.rsplit(".in-addr.arpa", 1)[0] if ":" not in address else \
        name[:-len(".ip6.arpa.")]


def cond_dnslists(call: Call) -> Rc:
    """True when the client (or key) is on one of the lists."""
    defer_return = Rc.FAIL
    host = str(call.ctx.values.get("sender_host_address") or "")
    for item in list_items(call.arg):
        if item.startswith("+"):
            word = item.lower()
            if word == "+include_unknown":
                defer_return = Rc.OK
            elif word == "+exclude_unknown":
                defer_return = Rc.FAIL
            elif word == "+defer_unknown":
                defer_return = Rc.DEFER
            else:
                call.session.log(f"unknown item in dnslist (ignored): {item}", panic=True)
            continue
        domain, _, key_text = item.partition("/")
        key: str | None = key_text if "/" in item else None
        iplist: str | None = None
        bitmask = False
        match_type = 0
        eq = domain.find("=")
        if eq < 0:
            eq = domain.find("&")
            bitmask = eq >= 0
        if eq >= 0:
            iplist = domain[eq + 1:]
            if eq > 0 and domain[eq - 1] == "!":
                match_type |= MT_NOT
                domain = domain[:eq - 1]
            else:
                domain = domain[:eq]
            if not bitmask and iplist[:1] in ("=", "&"):
                bitmask = iplist[0] == "&"
                iplist = iplist[1:]
                match_type |= MT_ALL
        domain_txt, comma, rest = domain.partition(",")
        if comma:
            domain = rest
        for name in (domain, domain_txt) if comma else (domain,):
            if any(c not in _DOMAIN_CHARS for c in name):
                call.session.log(f'dnslists domain "{name}" contains strange characters '
                                 "- is this right?")
        check = _Check(call, domain, domain_txt if comma else domain, iplist, bitmask,
                       match_type, defer_return)
        if key is None:
            if call.where in (Where.NOTSMTP, Where.NOTSMTP_START):
                return call.error("cannot test auto-keyed dnslists condition in "
                                  f"{call.where.exim_name} ACL")
            if not host:
                return Rc.FAIL
            rc = check.one(host, _inverted(host))
            if rc is Rc.OK:
                _matched(call, check.domain_txt, host)
            if rc is not Rc.FAIL:
                return rc
            continue
        deferred = False
        for keydomain in list_items(key):
            prepend = _inverted(keydomain) if is_ip_address(keydomain) else keydomain
            rc = check.one(keydomain, prepend)
            if rc is Rc.OK:
                _matched(call, check.domain_txt, keydomain)
                return Rc.OK
            deferred = deferred or rc is Rc.DEFER
        if deferred:
            return Rc.DEFER
    return Rc.FAIL


def _matched(call: Call, domain: str, matched: str) -> None:
    call.ctx.values["dnslist_domain"] = domain
    call.ctx.values["dnslist_matched"] = matched
    call.engine.trace(f"=> that means {matched} is listed at {domain}")


@record
class _Check:
    """One list domain with its filters (Exim's one_check_dnsbl arguments)."""

    call: Call
    domain: str
    domain_txt: str
    iplist: str | None
    bitmask: bool
    match_type: int
    defer_return: Rc

    def one(self, keydomain: str, prepend: str, domain: str | None = None) -> Rc:
        """Look *prepend*.*domain* up and decide."""
        call = self.call
        domain = domain or self.domain
        query = f"{prepend}.{domain}"
        if len(query) >= 256:
            call.session.log(f"dnslist query is too long (ignored): {query}...", panic=True)
            return Rc.FAIL
        cached = self._lookup(query)
        if cached.status == "ok":
            if not self._accepts(cached, keydomain, domain):
                return Rc.FAIL
            if domain == self.domain and self.domain_txt != self.domain:
                return self.one(keydomain, prepend, self.domain_txt)
            if not cached.text_set:
                cached.text_set = True
                answer = call.ctx.lookup_context.resolver.lookup(query, "TXT")
                for record in answer.of_type("TXT") if answer.status == "ok" else []:
                    strings = getattr(record.rdata, "strings", [b""])
                    cached.text = strings[0][:511].decode("latin-1") if strings else ""
                    break
            call.ctx.values["dnslist_value"] = ", ".join(cached.addresses)
            call.ctx.values["dnslist_text"] = cached.text or ""
            return Rc.OK
        if cached.status not in ("nxdomain", "nodata"):
            what = {Rc.OK: "assumed in list", Rc.FAIL: "assumed not in list"}.get(
                self.defer_return, "returned DEFER")
            call.session.log(f"DNS list lookup defer (probably timeout) for {query}: {what}",
                             selector="dnslist_defer")
            return self.defer_return
        call.engine.trace(f"DNS lookup for {query} failed")
        return Rc.FAIL

    def _lookup(self, query: str) -> _Cached:
        call = self.call
        cache: dict[str, _Cached] = call.engine.dnslist_cache
        now = call.ctx.clock()
        cached = cache.get(query)
        if cached is not None and cached.expiry > now:
            return cached
        answer = call.ctx.lookup_context.resolver.lookup(query, "A")
        records = answer.of_type("A") if answer.status == "ok" else []
        addresses = [str(getattr(r.rdata, "address", r.rdata)) for r in records]
        ttl = min([3600, *(r.ttl for r in records)])
        status = answer.status
        if status == "ok" and not addresses:
            status = "nodata"
        cached = _Cached(status, addresses, now + ttl)
        cache[query] = cached
        return cached

    def _accepts(self, cached: _Cached, keydomain: str, domain: str) -> bool:
        """Whether the returned addresses put the key on the list (the = / & filters)."""
        call = self.call
        if self.iplist is None:
            ok = False
            for address in cached.addresses:
                if address.startswith("127.") and is_ip_address(address) == 4:
                    ok = True
                else:
                    call.session.log(f"DNS list lookup for {keydomain} at {domain} returned "
                                     f"{address}; not in 127.0/8 and discarded")
            return ok
        wanted = list(list_items(self.iplist, ","))
        stopped = False
        for address in cached.addresses:
            if not self.bitmask:
                hit = address in wanted
            else:
                mask = 0
                if is_ip_address(address) == 4:
                    value = host_aton(address)[0]
                    if value & 0xFF000000 != 0x7F000000:
                        call.session.log(f"DNS list lookup for {keydomain} at {domain} "
                                         f"returned {address}; not in 127.0/8 and discarded")
                    else:
                        mask = value
                hit = any(is_ip_address(w) == 4 and host_aton(w)[0] & mask == host_aton(w)[0]
                          for w in wanted)
            if bool(self.match_type & MT_ALL) != hit:
                stopped = True
                break
        # Exim: found (da != NULL) means listed, unless exactly one of ! or == was given.
        return (self.match_type in (MT_NOT, MT_ALL)) == (not stopped)


HANDLERS = {"dnslists": cond_dnslists}

__all__ = ["HANDLERS"]
