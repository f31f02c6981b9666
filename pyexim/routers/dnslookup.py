"""The dnslookup router (spec: "The dnslookup router")."""

from __future__ import annotations

from pyexim.config.options import Bool, Opt, OptionTable, String

OPTIONS = OptionTable("dnslookup router", [
    Opt("check_secondary_mx", Bool(), False),
    Opt("check_srv", String(), None),
    Opt("fail_defer_domains", String(), None),
    Opt("ipv4_only", String(), None),
    Opt("ipv4_prefer", String(), None),
    Opt("mx_domains", String(), None),
    Opt("mx_fail_domains", String(), None),
    Opt("qualify_single", Bool(), True),
    Opt("rewrite_headers", Bool(), True),
    Opt("same_domain_copy_routing", Bool(), False),
    Opt("search_parents", Bool(), False),
    Opt("srv_fail_domains", String(), None),
    Opt("widen_domains", String(), None),
])


# ---------------------------------------------------------------------------
# Routing (Exim: routers/dnslookup.c)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.routers.base import Outcome, PasswdEntry
    from pyexim.routers.chain import Queues, Router, Routing
    from pyexim.routers.item import AddressItem


def _domains(router: Router) -> list[str]:
    """The widen_domains list (not expanded, as in Exim)."""
    from pyexim.strings import list_items
    text = router.text("widen_domains")
    return list(list_items(text)) if text is not None else []


def route(router: Router, addr: AddressItem, run: Routing, q: Queues,
          pw: PasswdEntry | None, verify: str) -> Outcome:
    """Find the domain's MX (or SRV) hosts, or its own addresses (dnslookup_router_entry)."""
    from pyexim.expand import ExpansionError, ForcedFail
    from pyexim.hostaddr import is_ip_address
    from pyexim.routers import rf
    from pyexim.routers.base import Accept, Decline, Defer, Pass, Rerouted
    from pyexim.routers.hosts import (
        BY_A,
        BY_AAAA,
        BY_MX,
        BY_SRV,
        FIND_AGAIN,
        FIND_FAILED,
        FIND_SECURITY,
        FOUND,
        FOUND_LOCAL,
        IPV4_FIRST,
        IPV4_ONLY,
        QUALIFY_SINGLE,
        SEARCH_PARENTS,
    )
    from pyexim.routers.item import Host

    whichrrs = BY_MX | BY_A | BY_AAAA
    srv_service: str | None = None
    check_srv = router.text("check_srv")
    if check_srv is not None:
        try:
            srv_service = run.expand(check_srv)
        except ForcedFail:
            pass
        except ExpansionError as error:
            addr.message = (f'{router.name} router: failed to expand "{check_srv}": '
                            f"{error.text}")
            return Defer()
        whichrrs |= BY_SRV
    rewrite_headers = bool(router.get("rewrite_headers"))
    may_widen = verify != "sender" or not rewrite_headers or addr.parent is not None
    names = [addr.domain]
    if router.get("widen_domains") is not None and may_widen:
        names += [f"{addr.domain}.{widen}" for widen in _domains(router)]

    found = None
    fqdn = addr.domain
    for name in names:
        flags = whichrrs
        ipv4_only = router.text("ipv4_only")
        if ipv4_only is not None and run.check_condition(ipv4_only, router.name, "router"):
            flags = flags & ~BY_AAAA | IPV4_ONLY
        elif run.search_find_defer:
            return Defer()
        ipv4_prefer = router.text("ipv4_prefer")
        if ipv4_prefer is not None and run.check_condition(ipv4_prefer, router.name, "router"):
            flags |= IPV4_FIRST
        elif run.search_find_defer:
            return Defer()
        if may_widen:
            if router.get("qualify_single"):
                flags |= QUALIFY_SINGLE
            if router.get("search_parents"):
                flags |= SEARCH_PARENTS
        found = run.finder.find_bydns(Host(name), router.ignore_target_hosts, flags,
                                      srv_service, router.text("srv_fail_domains"),
                                      router.text("mx_fail_domains"), router.dnssec)
        fqdn = found.fully_qualified_name
        if found.removed:
            addr.local_host_removed = True
        first = found.hosts[0]
        mx_domains = router.text("mx_domains")
        if found.rc in (FOUND, FOUND_LOCAL) and first.mx < 0 and mx_domains is not None:
            from pyexim.lists import match_domain
            check = match_domain(fqdn, mx_domains, run.ctx, expand=True)
            if check.deferred:
                addr.message = "lookup defer for mx_domains"
                return Defer()
            if check.matched:
                continue
        if found.rc == FIND_SECURITY:
            addr.message = "host lookup done insecurely"
            return Defer()
        if found.rc == FIND_AGAIN:
            if router.pass_on_timeout:
                return Pass()
            addr.message = "host lookup did not complete"
            return Defer()
        if found.rc != FIND_FAILED:
            break
        fail_defer = router.text("fail_defer_domains")
        if fail_defer is not None:
            from pyexim.lists import match_domain
            check = match_domain(fqdn, fail_defer, run.ctx, expand=True)
            if check.deferred:
                addr.message = "lookup defer for fail_defer_domains option"
                return Defer()
            if check.matched:
                addr.message = ("missing MX, or all MXs point to missing A records, and "
                                "defer requested")
                return Defer()
        if first.mx >= 0 and first.address is None:
            addr.pass_message = True
            if first.name == "":
                addr.message = "an MX or SRV record indicated no SMTP service"
            else:
                addr.basic_errno = rf.ERRNO_UNKNOWNHOST
                addr.message = "all relevant MX records point to non-existent hosts"
                if not run.option("allow_mx_to_ip") and is_ip_address(first.name):
                    addr.user_message = (f"It appears that the DNS operator for {addr.domain}\n"
                                         "has installed an invalid MX record with an IP "
                                         "address\ninstead of a domain name on the right "
                                         "hand side.")
                    addr.message += " or (invalidly) to IP addresses"
            return Decline()
        if run.finder.syntax_error:
            addr.message = f'mail domain "{first.name}" is syntactically invalid'
            return Decline()
    else:
        return Decline()

    assert found is not None
    if addr.domain != fqdn:
        if addr.domain.lower() == fqdn.lower():
            at = addr.address.rfind("@")
            addr.address = addr.address[:at + 1] + fqdn
        else:
            rf.change_domain(run, addr, fqdn, q)
            return Rerouted()
    first = found.hosts[0]
    if found.rc == FOUND_LOCAL:
        outcome = rf.self_action(run, addr, first.mx, first.name, router, q)
        if not isinstance(outcome, Accept):
            return outcome
    elif router.get("check_secondary_mx") and not addr.local_host_removed:
        return Decline()

    addr.host_list = found.hosts
    return rf.accept_address(run, addr, router, q, pw, verify)

