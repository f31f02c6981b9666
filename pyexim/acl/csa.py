"""``verify = csa``: Client SMTP Authorization (Exim: acl.c ``acl_verify_csa``; spec:
"Client SMTP Authorization").

The client's HELO domain (or the domain given, or its address in the reverse zone) is
looked up for ``_client._smtp`` SRV records; weight 2 means authorized, and then the
client's address must be among the SRV target's addresses. Results are cached for the
session. Only a definite "not authorized" fails the condition.
"""

from __future__ import annotations

from pyexim.acl.engine import Call
from pyexim.acl.where import Rc
from pyexim.hostaddr import is_ip_address, reverse_name

#: result -> ($csa_status, reason words, condition outcome)
_RESULTS: dict[str, tuple[str, str, Rc]] = {
    "unknown": ("unknown", "unknown", Rc.OK),
    "ok": ("ok", "ok", Rc.OK),
    "defer_srv": ("defer", "deferred (SRV lookup failed)", Rc.OK),
    "defer_addr": ("defer", "deferred (target address lookup failed)", Rc.OK),
    "fail_explicit": ("fail", "failed (explicit authorization required)", Rc.FAIL),
    "fail_domain": ("fail", "failed (host name not authorized)", Rc.FAIL),
    "fail_noaddr": ("fail", "failed (no authorized addresses)", Rc.FAIL),
    "fail_mismatch": ("fail", "failed (client address mismatch)", Rc.FAIL),
}


def check_csa(call: Call, domain: str) -> tuple[str, str, Rc]:
    """($csa_status, reason, outcome) for *domain* (default: the HELO name)."""
    result = _csa(call, domain.strip(" \t\n\v\f\r"))
    return _RESULTS[result]


def _csa(call: Call, domain: str) -> str:
    values = call.ctx.values
    client = str(values.get("sender_host_address") or "")
    if not domain:
        domain = str(values.get("sender_helo_name") or "") or client
    if not client:
        return "unknown"
    if domain.startswith("["):
        colon = domain.find(":")
        start = colon if colon >= 0 else 0
        domain = domain[start + 1:-1]
    if is_ip_address(domain):
        if not call.engine.option("dns_csa_use_reverse", True):
            return "unknown"
        domain = reverse_name(domain).rstrip(".")
    cache = call.state.csa_cache
    if domain in cache:
        return cache[domain][0]
    result = _lookup(call, domain, client)
    cache[domain] = (result, "")
    return result


def _lookup(call: Call, domain: str, client: str) -> str:
    resolver = call.ctx.lookup_context.resolver
    answer, found = resolver.special_lookup(domain, "CSA")
    if answer.status in ("nxdomain", "nodata"):
        return "unknown"
    if answer.status != "ok":
        return "defer_srv"
    target: str | None = None
    for record in answer.of_type("SRV"):
        rd = record.rdata
        priority, weight, port = rd.priority, rd.weight, rd.port
        call.engine.trace(f"CSA priority={priority} weight={weight} port={port}")
        if priority != 1:
            continue
        if found.lower() != domain.lower():
            return "fail_explicit" if port & 1 else "unknown"
        if weight < 2:
            return "fail_domain"
        if weight > 2:
            continue
        target = str(rd.target).rstrip(".")
        call.engine.trace(f"CSA target is {target}")
        break
    if target is None:
        return "unknown"
    if not target:
        return "fail_noaddr"
    rtype = "AAAA" if ":" in client else "A"
    addresses = resolver.lookup(target, rtype)
    if addresses.status in ("nxdomain", "nodata"):
        return "fail_noaddr"
    if addresses.status != "ok":
        return "defer_addr"
    found_any = False
    for record in addresses.of_type(rtype):
        found_any = True
        address = str(getattr(record.rdata, "address", record.rdata))
        call.engine.trace(f"CSA target address is {address}")
        if address.lower() == client.lower():
            return "ok"
    return "fail_mismatch" if found_any else "fail_noaddr"


__all__ = ["check_csa"]
