"""Helpers shared by the router drivers (Exim: routers/rf_*.c).

Each function does what its Exim namesake does: find the errors address, the header
changes, the transport, the uid/gid for a local delivery; queue an accepted address;
act on the "self" option; change an address's domain; look up a configured host list.
A problem is reported as an Outcome (usually Defer) with the address's message set.
"""

from __future__ import annotations

from pyexim.expand import ExpansionError, ForcedFail
from pyexim.routers.base import (
    Accept,
    Decline,
    Defer,
    Fail,
    Outcome,
    Pass,
    PasswdEntry,
    Rerouted,
)
from pyexim.routers.hosts import (
    BY_A,
    BY_AAAA,
    BY_MX,
    FIND_AGAIN,
    FIND_FAILED,
    FIND_SECURITY,
    FOUND,
    FOUND_LOCAL,
    IPV4_FIRST,
    IPV4_ONLY,
    LK_BYNAME,
    LK_DEFAULT,
    LK_IPV4_ONLY,
    LK_IPV4_PREFER,
    item_get_port,
)
from pyexim.routers.item import MX_NONE, PORT_NONE, AddressItem
from pyexim.taint import is_tainted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.routers.chain import Queues, Router, Routing

# Exim's ERRNO_* values that -bt shows as text when positive (these are all negative).
ERRNO_BADTRANSPORT = -21
ERRNO_UNKNOWNHOST = -5
ERRNO_DNSDEFER = -7
ERRNO_BADREDIRECT = -22


def expand_data(run: Routing, addr: AddressItem, text: str) -> tuple[str | None, Outcome]:
    """Expand a router option: (value, Accept) or (None, Decline for a forced failure /
    Defer with "failed to expand" for an error) (rf_expand_data)."""
    try:
        return run.expand(text), Accept()
    except ForcedFail:
        return None, Decline()
    except ExpansionError as error:
        addr.message = f'failed to expand "{text}": {error.text}'
        return None, Defer()


def get_errors_address(run: Routing, addr: AddressItem, router: Router,
                       verify: str) -> tuple[Outcome | None, str | None]:
    """The errors address for *addr* after *router* (rf_get_errors_address).

    Returns (None, address) or (Defer, None). An empty errors_to means "ignore
    errors". When not verifying, the address is verified first and used only if that
    succeeds, as Exim does.
    """
    errors_to = addr.prop.errors_address
    text = router.errors_to
    if text is None:
        return None, errors_to
    try:
        value = run.expand(text)
    except ForcedFail:
        return None, errors_to
    except ExpansionError as error:
        addr.message = f'{router.name} router failed to expand "{text}": {error.text}'
        return Defer(), None
    if not value:
        addr.prop.ignore_error = True
        return None, ""
    if verify != "none":
        return None, value
    verified = run.verify_errors_address(value)
    return None, verified if verified is not None else errors_to


def _expanded_items(run: Routing, addr: AddressItem, router: Router, text: str, sep: str,
                    what: str) -> list[str] | None:
    """The non-empty expansions of a list's items (forced failures skipped); None with
    the address's message set when one fails."""
    from pyexim.strings import list_items
    values = []
    for item in list_items(text, sep):
        try:
            value = run.expand(item)
        except ForcedFail:
            continue
        except ExpansionError as error:
            addr.message = (f'{router.name} router failed to expand {what} item "{item}": '
                            f"{error.text}")
            return None
        if value:
            values.append(value)
    return values


def get_munge_headers(run: Routing, addr: AddressItem, router: Router
                      ) -> tuple[Outcome | None, tuple[str, ...], str | None]:
    """headers_add and headers_remove for *addr* (rf_get_munge_headers).

    Added headers are newest first (Exim chains them so and writes them in reverse);
    each ends in a newline. Returns (None, extra, remove) or (Defer, ...).
    """
    extra = addr.prop.extra_headers
    remove = addr.prop.remove_headers
    if router.headers_add is not None:
        added = _expanded_items(run, addr, router, router.headers_add, "\n", "add_headers")
        if added is None:
            return Defer(), extra, remove
        extra = tuple(v if v.endswith("\n") else v + "\n" for v in reversed(added)) + extra
    if router.headers_remove is not None:
        names = _expanded_items(run, addr, router, router.headers_remove, ":",
                                "remove_headers")
        if names is None:
            return Defer(), extra, remove
        names = ([remove] if remove else []) + [n.replace(":", "::") for n in names]
        if names:
            remove = ":".join(names)
    return None, extra, remove


def get_transport(run: Routing, name: str | None, addr: AddressItem, router_name: str,
                  require_name: str | None) -> tuple[bool, str | None]:
    """Find the transport a router names, expanding the name if it has a "$"
    (rf_get_transport). (True, name or None) or (False, None) with the address's
    message and basic_errno set."""
    if name is None:
        if require_name is None:
            return True, None
        addr.basic_errno = ERRNO_BADTRANSPORT
        addr.message = f"{require_name} unset in {router_name} router"
        return False, None
    wanted = name
    if "$" in name:
        try:
            wanted = run.expand(name)
        except ExpansionError as error:
            addr.basic_errno = ERRNO_BADTRANSPORT
            addr.message = (f'failed to expand transport "{name}" in {router_name} router: '
                            f"{error.text}")
            return False, None
        if is_tainted(wanted):
            run.log(f"attempt to use tainted value '{wanted}' from '{name}' for transport",
                    panic=True)
            addr.basic_errno = ERRNO_BADTRANSPORT
            addr.message = "internal configuration error"
            return False, None
    if run.transport(wanted) is not None:
        return True, wanted
    addr.basic_errno = ERRNO_BADTRANSPORT
    addr.message = f'transport "{wanted}" not found in {router_name} router'
    return False, None


def get_ugid(run: Routing, router: Router, addr: AddressItem
             ) -> tuple[bool, int | None, int | None, bool]:
    """The uid/gid a router sets for local deliveries (rf_get_ugid): fixed values, or
    ``user``/``group`` expanded now. (ok, uid, gid, initgroups); on failure the
    address's message says why."""
    uid, gid = router.fixed_uid, router.fixed_gid
    user_gid: int | None = None
    if uid is None and router.expand_uid is not None:
        found = run.find_expanded_user(router.expand_uid, router.name, "router", addr)
        if found is None:
            return False, None, None, router.initgroups
        uid, user_gid = found
    elif uid is not None:
        user_gid = router.user_gid
    if gid is None and router.expand_gid is not None:
        gid = run.find_expanded_group(router.expand_gid, router.name, "router", addr)
        if gid is None:
            return False, None, None, router.initgroups
    if uid is not None and gid is None:
        if user_gid is None:
            addr.message = f"user set without group for {router.name} router"
            return False, None, None, router.initgroups
        gid = user_gid
    return True, uid, gid, router.initgroups


def queue_add(run: Routing, addr: AddressItem, q: Queues, router: Router,
              pw: PasswdEntry | None) -> bool:
    """Queue an accepted address for its transport (rf_queue_add): local deliveries
    get uid/gid and home directory, remote ones the fallback hosts."""
    addr.prop.domain_data = run.value("domain_data")
    addr.prop.localpart_data = run.value("local_part_data")
    if addr.transport is not None and run.transport_is_local(addr.transport):
        if pw is not None:
            addr.uid, addr.gid = pw.uid, pw.gid
            addr.home_expanded = True
            addr.home_dir = pw.dir
        ok, uid, gid, initgroups = get_ugid(run, router, addr)
        if not ok:
            return False
        if uid is not None:
            addr.uid = uid
        if gid is not None:
            addr.gid = gid
        addr.initgroups = initgroups
        if router.transport_home_directory is not None:
            addr.home_dir = router.transport_home_directory
            addr.home_expanded = False
        elif addr.home_dir is None and addr.home_expanded:
            addr.home_dir = run.value("home")
        addr.current_dir = router.transport_current_directory
        q.local.insert(0, addr)
    else:
        addr.fallback_hosts = [h.copy() for h in router.fallback_hostlist]
        q.remote.insert(0, addr)
    return True


def change_domain(run: Routing, addr: AddressItem, domain: str, q: Queues) -> AddressItem:
    """Route a copy of *addr* with a new domain (rf_change_domain): the address item
    becomes the parent of a new child that goes on the new-address queue. Header
    rewriting (rewrite_headers) applies to a message being delivered; routing here has
    no message headers to rewrite."""
    at = addr.address.rfind("@")
    child = AddressItem(f"{addr.address[:at]}@{domain}", parent=addr, prop=addr.prop.copy())
    addr.child_count = 1
    q.new.insert(0, child)
    return child


_SELF_LOCAL_MX = "lowest numbered MX record points to local host"
_SELF_LOCAL = "remote host address is the local host"


def self_action(run: Routing, addr: AddressItem, host_mx: int, host_name: str,
                router: Router, q: Queues) -> Outcome:
    """What to do when a router's first host is this machine (rf_self_action)."""
    message = _SELF_LOCAL_MX if host_mx >= 0 else _SELF_LOCAL
    code = router.self_code
    if code == "freeze":
        sender_host = run.value("sender_fullhost")
        if sender_host:
            run.log(f"{message}: {addr.domain} (while verifying <{addr.address}> from host "
                    f"{sender_host})")
        else:
            run.log(f"{message}: {addr.domain} (while routing <{addr.address}>)")
        addr.message = message
        addr.freeze = True
        return Defer()
    if code == "defer":
        addr.message = message
        return Defer()
    if code == "reroute":
        change_domain(run, addr, router.self_reroute, q)
        return Rerouted()
    if code == "send":
        return Accept()
    if code == "pass":
        addr.message = message
        addr.self_hostname = host_name
        return Pass()
    addr.message = message
    addr.pass_message = True
    return Fail()


def lookup_hostlist(run: Routing, router: Router, addr: AddressItem, ignore: str | None,
                    lookup_type: int, hff_code: str, q: Queues) -> Outcome:
    """Find the addresses of a configured host list on *addr* (rf_lookup_hostlist).

    A host that is this machine cuts the list there; as the first host the "self"
    option decides. Failures follow host_find_failed (*hff_code*).
    """
    finder = run.finder
    self_send = False
    hosts = addr.host_list
    out: list = []
    i = 0
    while i < len(hosts):
        h = hosts[i]
        i += 1
        if h.address is not None:
            out.append(h)
            continue
        port = item_get_port(h)
        mx, sort_key = h.mx, h.sort_key
        if len(h.name) > 3 and h.name[-3:].lower() == "/mx":
            rrs = BY_MX | (IPV4_ONLY if lookup_type & LK_IPV4_ONLY else
                           IPV4_FIRST if lookup_type & LK_IPV4_PREFER else 0)
            mx = MX_NONE
            h.name = h.name[:-3]
            found = finder.find_bydns(h, ignore, rrs, dnssec=router.dnssec)
            rc, chain = found.rc, found.hosts
        elif lookup_type & LK_BYNAME or _is_ip(h.name):
            rc, chain = finder.find_byname(h, ignore)
        else:
            rrs = BY_A if lookup_type & LK_IPV4_ONLY else (
                BY_A | BY_AAAA | IPV4_FIRST if lookup_type & LK_IPV4_PREFER else BY_A | BY_AAAA)
            found = finder.find_bydns(h, ignore, rrs, dnssec=router.dnssec)
            rc, chain = found.rc, found.hosts
            if rc == FOUND and found.removed:
                addr.local_host_removed = True
            if rc == FIND_FAILED and lookup_type & LK_DEFAULT:
                rc, chain = finder.find_byname(h, ignore)
        # Exim's host item becomes the first of what was found (data is copied into it).
        h = chain[0] if chain else h
        if rc == FIND_SECURITY:
            addr.message = f"host lookup for {h.name} done insecurely"
            addr.basic_errno = ERRNO_DNSDEFER
            return Defer()
        if rc == FIND_AGAIN:
            if router.pass_on_timeout:
                return Pass()
            addr.message = f"host lookup for {h.name} did not complete (DNS timeout?)"
            addr.basic_errno = ERRNO_DNSDEFER
            return Defer()
        if rc == FIND_FAILED:
            if hff_code == "ignore":
                continue
            if hff_code == "pass":
                return Pass()
            if hff_code == "decline":
                return Decline()
            addr.basic_errno = ERRNO_UNKNOWNHOST
            syntax = ": syntax error in name" if finder.syntax_error else ""
            addr.message = f'lookup of host "{h.name}" failed in {router.name} router{syntax}'
            if hff_code == "defer":
                return Defer()
            if hff_code == "fail":
                return Fail()
            addr.freeze = True
            return Defer()
        if port != PORT_NONE:
            for hh in chain:
                hh.port = port
        if mx != MX_NONE:
            for hh in chain:
                hh.mx, hh.sort_key = mx, sort_key
        if rc == FOUND_LOCAL and not self_send:
            if out:
                addr.local_host_removed = True
                addr.host_list = out
                return Accept()
            outcome = self_action(run, addr, h.mx, h.name, router, q)
            if not isinstance(outcome, Accept):
                addr.host_list = []
                return outcome
            self_send = True
        out.extend(chain)
    addr.host_list = out
    return Accept()


def _is_ip(name: str) -> bool:
    from pyexim.hostaddr import is_ip_address
    return bool(is_ip_address(name))


__all__ = ["Fail", "change_domain", "expand_data", "get_errors_address", "get_munge_headers",
           "get_transport", "get_ugid", "lookup_hostlist", "queue_add", "self_action"]


def accept_address(run: Routing, addr: AddressItem, router: Router, q: Queues,
                   pw: PasswdEntry | None, verify: str) -> Outcome:
    """The common end of accept, dnslookup and ipliteral: errors address, header changes,
    the router's transport, then the queue."""
    problem, errors_to = get_errors_address(run, addr, router, verify)
    if problem is not None:
        return problem
    problem, extra, remove = get_munge_headers(run, addr, router)
    if problem is not None:
        return problem
    ok, transport = get_transport(run, router.transport_name, addr, router.name, None)
    if not ok:
        return Defer()
    addr.transport = transport
    addr.prop.errors_address = errors_to
    addr.prop.extra_headers, addr.prop.remove_headers = extra, remove
    return Accept() if queue_add(run, addr, q, router, pw) else Defer()
