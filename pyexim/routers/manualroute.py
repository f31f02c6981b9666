"""The manualroute router (spec: "The manualroute router")."""

from __future__ import annotations

from pyexim.config.options import (
    Bool,
    EximConfigError,
    MainGetter,
    Opt,
    OptionTable,
    Settings,
    String,
    value_of,
)
from pyexim.strings import C_SPACE, span

OPTIONS = OptionTable("manualroute router", [
    Opt("host_all_ignored", String(), "defer"),
    Opt("host_find_failed", String(), "freeze"),
    Opt("hosts_randomize", Bool(), False),
    Opt("route_data", String(), None),
    Opt("route_list", String(), None),
    Opt("same_domain_copy_routing", Bool(), False),
])

# What host_find_failed may say; host_all_ignored may not say "ignore".
HOST_FIND_FAILED = ("ignore", "decline", "defer", "fail", "freeze", "pass")


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """manualroute_router_init: the failure words, and exactly one of route_list/route_data."""
    def fail(reason: str) -> EximConfigError:
        return EximConfigError(f"{name} router:\n  {reason}", form="for")

    if value_of(OPTIONS, settings, "host_find_failed") not in HOST_FIND_FAILED:
        raise fail("unrecognized setting for host_find_failed option")
    if value_of(OPTIONS, settings, "host_all_ignored") not in HOST_FIND_FAILED[1:]:
        raise fail("unrecognized setting for host_all_ignored option")
    has_list = value_of(OPTIONS, settings, "route_list") is not None
    has_data = value_of(OPTIONS, settings, "route_data") is not None
    if has_list == has_data:
        raise fail("route_list or route_data (but not both) must be specified")


# ---------------------------------------------------------------------------
# Routing (Exim: routers/manualroute.c)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.routers.base import Outcome, PasswdEntry
    from pyexim.routers.chain import Queues, Router, Routing
    from pyexim.routers.item import AddressItem



def parse_route_item(item: str, with_domain: bool) -> tuple[str, str, str] | None:
    """(domain pattern, host list, options) of one route_list item, or of route_data
    (no domain); None for an empty route_list item. Each part may be a "quoted string"
    (Exim's string_dequote)."""
    from pyexim.strings import dequote
    pos = len(item) - len(item.lstrip(C_SPACE))
    domain = ""
    if with_domain:
        if pos >= len(item):
            return None
        domain, pos = dequote(item, pos)
        pos = span(item, C_SPACE, pos)
    hostlist, pos = dequote(item, pos)
    pos = span(item, C_SPACE, pos)
    return domain, hostlist, item[pos:]


def route_items(text: str) -> list[str]:
    """route_list's items: ";" separates them unless the list names its own separator."""
    from pyexim.strings import list_items
    return list(list_items(text, default=";"))


def _options(run: Routing, router: Router, addr: AddressItem,
             options: str) -> tuple[int, bool, str | None, bool] | Outcome:
    """The words after a route's host list: lookup type, randomize, and a transport.
    Each word is compared over its own length, so a prefix of a keyword (or of a
    transport's name) selects it, as in Exim."""
    from pyexim.routers.base import Defer
    from pyexim.routers.hosts import LK_BYDNS, LK_BYNAME, LK_DEFAULT, LK_IPV4_ONLY, LK_IPV4_PREFER
    lookup_type = LK_DEFAULT
    randomize = bool(router.get("hosts_randomize"))
    transport: str | None = None
    individual = False
    for word in options.split():
        if "randomize".startswith(word):
            randomize = True
        elif "no_randomize".startswith(word):
            randomize = False
        elif "byname".startswith(word):
            lookup_type = lookup_type & ~(LK_DEFAULT | LK_BYDNS) | LK_BYNAME
        elif "bydns".startswith(word):
            # Exim masks with LK_BYDNS here, dropping every other bit: kept as it is.
            lookup_type = lookup_type & ~(LK_DEFAULT | LK_BYNAME) & LK_BYDNS
        elif "ipv4_prefer".startswith(word):
            lookup_type |= LK_IPV4_PREFER
        elif "ipv4_only".startswith(word):
            lookup_type |= LK_IPV4_ONLY
        else:
            found = next((t.name for t in run.config.transports if t.name.startswith(word)),
                         None)
            if found is None:
                reason = f'unknown routing option or transport name "{word}"'
                run.log(f"Error in {router.name} router: {reason}")
                addr.message = f"error in router: {reason}"
                return Defer()
            transport, individual = found, True
    return lookup_type, randomize, transport, individual


def route(router: Router, addr: AddressItem, run: Routing, q: Queues,
          pw: PasswdEntry | None, verify: str) -> Outcome:
    """Route by route_list or route_data (manualroute_router_entry)."""
    from pyexim import lists
    from pyexim.expand import ExpansionError, ForcedFail
    from pyexim.routers import rf
    from pyexim.routers.base import Accept, Decline, Defer, Fail, Pass
    from pyexim.routers.hosts import build_hostlist
    from pyexim.routers.item import Host

    route_list = router.text("route_list")
    value: str | None = None
    if route_list is not None:
        for item in route_items(route_list):
            parsed = parse_route_item(item, True)
            if parsed is None:
                continue
            domain, hostlist, options = parsed
            # The domain pattern is one item, not a list (Exim passes UCHAR_MAX+1); it
            # is expanded first, as match_isinlist expands what it is given.
            result = lists.match_domain(addr.domain, domain, run.ctx, expand=True,
                                        single_item=True)
            if result.matched:
                value = result.value
                break
            if result.deferred:
                addr.message = "lookup defer in route_list"
                return Defer()
        else:
            return Decline()
    else:
        route_item, outcome = rf.expand_data(run, addr, router.text("route_data") or "")
        if route_item is None:
            return outcome
        parsed = parse_route_item(route_item, False)
        assert parsed is not None
        _, hostlist, options = parsed
        if not hostlist:
            return Decline()

    if route_list is not None:
        run.ctx.lookup_value = value
    try:
        hostlist = run.expand(hostlist)
    except ForcedFail:
        return Decline()
    except ExpansionError as error:
        addr.message = f'{router.name} router: failed to expand "{hostlist}": {error.text}'
        return Defer()
    finally:
        run.ctx.lookup_value = None
        run.ctx.match_strings = []

    parsed_options = _options(run, router, addr, options)
    if not isinstance(parsed_options, tuple):
        return parsed_options
    lookup_type, randomize, transport, individual = parsed_options

    problem, errors_to = rf.get_errors_address(run, addr, router, verify)
    if problem is not None:
        return problem
    addr.prop.errors_address = errors_to
    problem, extra, remove = rf.get_munge_headers(run, addr, router)
    if problem is not None:
        return problem
    addr.prop.extra_headers, addr.prop.remove_headers = extra, remove

    if not individual:
        ok, transport = rf.get_transport(run, router.transport_name, addr, router.name, None)
        if not ok:
            return Defer()

    if transport is not None and run.transport_is_local(transport):
        if hostlist:
            # A local transport gets the host list as one text, for $host.
            addr.host_list = [Host(hostlist)]
        addr.transport = transport
        return Accept() if rf.queue_add(run, addr, q, router, pw) else Defer()

    if hostlist:
        addr.host_list = build_hostlist(hostlist, randomize, run.rng)
        outcome = rf.lookup_hostlist(run, router, addr, router.ignore_target_hosts,
                                     lookup_type, str(router.get("host_find_failed")), q)
        if not isinstance(outcome, Accept):
            return outcome
        if not addr.host_list:
            code = str(router.get("host_all_ignored"))
            if code == "decline":
                return Decline()
            if code == "pass":
                return Pass()
            addr.message = (f"lookup failed for all hosts in {router.name} router: "
                            f"host_find_failed=ignore host_all_ignored={code}")
            if code == "defer":
                return Defer()
            if code == "fail":
                return Fail()
            addr.freeze = True
            return Defer()
        if transport is None and verify == "none":
            run.log(f"Error in {router.name} router: no transport defined")
            addr.message = "error in router: transport missing"
            return Defer()
    elif verify == "none":
        addr.message = (f"error in {router.name} router: no host(s) specified for domain "
                        f"{addr.domain}")
        run.log(addr.message)
        return Defer()
    addr.transport = transport
    rf.queue_add(run, addr, q, router, None)
    return Accept()
