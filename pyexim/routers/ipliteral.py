"""The ipliteral router (spec: "The ipliteral router"). It has no private options."""

from __future__ import annotations

from pyexim.config.options import OptionTable

OPTIONS = OptionTable("ipliteral router", [])


# ---------------------------------------------------------------------------
# Routing (Exim: routers/ipliteral.c)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.routers.base import Outcome, PasswdEntry
    from pyexim.routers.chain import Queues, Router, Routing
    from pyexim.routers.item import AddressItem


def route(router: Router, addr: AddressItem, run: Routing, q: Queues,
          pw: PasswdEntry | None, verify: str) -> Outcome:
    """Route a domain literal ([192.0.2.1], [IPv6:...]) to that address
    (ipliteral_router_entry); other domains are declined."""
    from pyexim.hostaddr import is_ip_address
    from pyexim.routers import rf
    from pyexim.routers.base import Accept, Decline
    from pyexim.routers.hosts import FOUND_LOCAL
    from pyexim.routers.item import Host
    domain = addr.domain
    if len(domain) < 2 or domain[0] != "[" or domain[-1] != "]":
        return Decline()
    ip = domain[1:-1]
    if ip[:5].lower() in ("ipv6:", "ipv4:"):
        ip = ip[5:]
    version = is_ip_address(ip)
    if not version or (version == 6 and run.option("disable_ipv6")):
        return Decline()
    if router.ignore_target_hosts is not None and run.match_this_host(
            router.ignore_target_hosts, domain, ip):
        addr.message = "IP literal host explicitly ignored"
        return Decline()
    host = Host(domain, ip)
    rc, _hosts, _removed = run.finder.scan_for_local_hosts([host])
    if rc == FOUND_LOCAL:
        outcome = rf.self_action(run, addr, host.mx, host.name, router, q)
        if not isinstance(outcome, Accept):
            return outcome
    addr.host_list = [host]
    return rf.accept_address(run, addr, router, q, pw, verify)
