"""The router chain: preconditions, then each router in order (Exim: route.c route_address,
check_router_conditions; spec: "Generic options for routers", "Router operation").

``Routing`` holds what routing needs for one run: the configuration's routers and
transports, the expansion context (whose variables it sets as Exim's
deliver_set_expansions does), the injected world (passwd source, local interfaces,
random numbers, log and debug output) and the host finder. ``route_address`` takes an
address through the routers and returns Exim's outcome as a value; accepted addresses
go on ``Queues.local``/``Queues.remote``, generated ones on ``Queues.new``, newest first
as Exim chains them.

Preconditions are checked in Exim's order: verify_only, address_test, verify_sender/
verify_recipient, expn, domains, local_parts (after affixes are stripped), check_local_user,
router_home_directory, senders, debug_print, require_files, condition. With an explain
sink, each check and its result is reported (``--explain``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from types import ModuleType

from pyexim import load_module
from pyexim.expand import ExpansionContext, ExpansionError, ForcedFail, LookupDeferred, to_engine
from pyexim.record import field, record
from pyexim.routers.base import (
    Accept,
    Decline,
    Defer,
    Discard,
    Fail,
    Outcome,
    Pass,
    PasswdEntry,
    PasswdSource,
    Rerouted,
)
from pyexim.routers.hosts import EximRandom, HostFinder, build_hostlist
from pyexim.routers.item import AddressItem, Host
from pyexim.routers.preconditions import (
    SKIP,
    V_RECIPIENT,
    V_SENDER,
    check_conditions,
    numeric_id,
    quoted,
    strip_affixes,
)
from pyexim.taint import is_tainted, mark

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# The address variables deliver_set_expansions() sets and clears.
_ADDRESS_VARIABLES = (
    "domain", "local_part", "local_part_prefix", "local_part_prefix_v", "local_part_suffix",
    "local_part_suffix_v", "original_domain", "original_local_part", "parent_domain",
    "parent_local_part", "address_data", "domain_data", "local_part_data", "self_hostname",
    "host", "host_address", "host_port", "address_file", "address_pipe")

Explain = Callable[[str], None]


@record
class RoutingEnv:
    """What routing takes from the world, injected so runs are reproducible.

    ``interfaces``: this machine's IP addresses (None: read them from the system);
    ``hosts_file``: what gethostbyname reads before the DNS; ``debug``: where
    debug_print output goes (None: nowhere); ``log``: main/panic log lines
    (message, panic); ``admin``: the caller may see error details; ``uid``/``gid``:
    the ids routing runs as (None: this process's), which decide whether a filter or
    command can run as another user (Exim verifies as the Exim user).
    """

    passwd: PasswdSource = field(default_factory=PasswdSource)
    interfaces: Sequence[str] | None = None
    hosts_file: str | None = "/etc/hosts"
    rng: EximRandom = field(default_factory=EximRandom)
    debug: Callable[[str], None] | None = None
    log: Callable[[str, bool], None] | None = None
    admin: bool = True
    uid: int | None = None
    gid: int | None = None

    def ids(self) -> tuple[int, int]:
        """The (uid, gid) routing runs as."""
        return (os.geteuid() if self.uid is None else self.uid,
                os.getegid() if self.gid is None else self.gid)

    def can_become(self, uid: int, gid: int) -> bool:
        """Could a child process switch to uid/gid (Exim's exim_setugid succeed)?"""
        euid, egid = self.ids()
        return euid == 0 or (euid == uid and egid == gid)


@record
class Queues:
    """Exim's routing chains: addr_local, addr_remote, addr_new, addr_succeed (newest first)."""

    local: list[AddressItem] = field(default_factory=list)
    remote: list[AddressItem] = field(default_factory=list)
    new: list[AddressItem] = field(default_factory=list)
    succeed: list[AddressItem] = field(default_factory=list)


class Router:
    """One configured router, its options read once, and its driver module."""

    def __init__(self, instance: Any, index: int):
        self.instance = instance
        self.name: str = instance.name
        self.index = index
        self.driver_name: str = instance.driver
        get = instance.get
        self.get = get
        self.address_data = _engine(get("address_data"))
        self.address_test = bool(get("address_test"))
        self.cannot_route_message = _engine(get("cannot_route_message"))
        self.caseful_local_part = bool(get("caseful_local_part"))
        self.check_local_user = bool(get("check_local_user"))
        self.condition = _engine(get("condition"))
        self.debug_print = _engine(get("debug_print"))
        self.domains = _engine(get("domains"))
        self.errors_to = _engine(get("errors_to"))
        self.expn = bool(get("expn"))
        self.fail_verify_recipient = bool(get("fail_verify_recipient"))
        self.fail_verify_sender = bool(get("fail_verify_sender"))
        self.headers_add = _engine(get("headers_add"))
        self.headers_remove = _engine(get("headers_remove"))
        self.ignore_target_hosts = _engine(get("ignore_target_hosts"))
        self.initgroups = bool(get("initgroups"))
        self.prefixes = _engine(get("local_part_prefix"))
        self.prefix_optional = bool(get("local_part_prefix_optional"))
        self.suffixes = _engine(get("local_part_suffix"))
        self.suffix_optional = bool(get("local_part_suffix_optional"))
        self.local_parts = _engine(get("local_parts"))
        self.more: object = get("more")
        self.unseen: object = get("unseen")
        self.pass_on_timeout = bool(get("pass_on_timeout"))
        self.repeat_use = bool(get("repeat_use")) if instance.driver == "redirect" else True
        self.require_files = _engine(get("require_files"))
        self.retry_use_local_part = bool(get("retry_use_local_part"))
        self.router_home_directory = _engine(get("router_home_directory"))
        self.senders = _engine(get("senders"))
        self.set = _engine(get("set"))
        self.transport_name = _engine(get("transport"))
        self.transport_current_directory = _engine(get("transport_current_directory"))
        self.transport_home_directory = _engine(get("transport_home_directory"))
        self.verify_only = bool(get("verify_only"))
        self.verify_recipient = bool(get("verify_recipient"))
        self.verify_sender = bool(get("verify_sender"))
        self.dnssec = (_engine(get("dnssec_request_domains")),
                       _engine(get("dnssec_require_domains")))
        self.fallback_hosts = _engine(get("fallback_hosts"))
        self.fallback_hostlist: list[Host] = []
        self.pass_router: int | None = None
        self.redirect_router: int | None = None
        self_value = str(get("self"))
        words = ("freeze", "defer", "send", "pass", "fail")
        self.self_code = self_value if self_value in words else "reroute"
        self.self_reroute = self_value if self.self_code == "reroute" else ""
        user, group = get("user"), get("group")
        self.fixed_uid = user if isinstance(user, int) else None
        self.expand_uid = to_engine(user) if isinstance(user, str) else None
        self.fixed_gid = group if isinstance(group, int) else None
        self.expand_gid = to_engine(group) if isinstance(group, str) else None
        self.user_gid: int | None = None
        if self.fixed_uid is not None and instance.is_set("user"):
            # A user given by name brings its group (readconf's side effect, which
            # the option table records as a derived "group" setting).
            self.user_gid = self.fixed_gid

    @functools.cached_property
    def driver(self) -> ModuleType:
        """The driver's module, imported when an address first reaches this router (most
        routes stop long before the dnslookup and manualroute routers)."""
        from pyexim.routers.registry import DRIVERS
        return load_module(DRIVERS[self.driver_name])

    def text(self, name: str) -> str | None:
        """A string option as engine text, or None when unset."""
        return _engine(self.get(name))


def _engine(value: object) -> str | None:
    return None if value is None else to_engine(str(value))


class Routing:
    """Routing for one run: the routers, the expansion context and the world."""

    def __init__(self, config: Any, ctx: ExpansionContext, env: RoutingEnv | None = None,
                 *, address_test_mode: bool = False):
        self.config = config
        self.ctx = ctx
        self.env = env or RoutingEnv()
        self.rng = self.env.rng
        self.address_test_mode = address_test_mode
        self.explain: Explain | None = None
        self._options: dict[str, object] = {}
        self._transports = {t.name: t for t in config.transports}
        self.routers: list[Router] = [Router(r, i) for i, r in enumerate(config.routers)]
        names = {r.name: r.index for r in self.routers}
        for r in self.routers:
            for option in ("pass_router", "redirect_router"):
                target = r.get(option)
                if target is not None:
                    setattr(r, option, names.get(str(target)))
            r.fallback_hostlist = build_hostlist(r.fallback_hosts, False, self.rng)
        self.finder = HostFinder(self)
        self._interfaces: list[str] | None = None
        self._hosts_entries: list[tuple[str, list[str]]] | None = None
        self._dns_names: Any = None
        self._rewriter: Any = None
        self.search_find_defer = False
        self.condition_value = ""         # what the last condition gave, for --explain
        # Unique names of addresses already shown by -bt (Exim's tree_duplicates).
        self.duplicates: set[str] = set()

    # -- configuration -------------------------------------------------------------

    def option(self, name: str) -> object:
        """A main option's value (cached)."""
        if name not in self._options:
            try:
                self._options[name] = self.config.option(name)
            except KeyError:
                self._options[name] = None
        return self._options[name]

    def option_str(self, name: str) -> str | None:
        """A main string option as engine text, or None."""
        return _engine(self.option(name))

    def transport(self, name: str) -> Any:
        """The transport instance called *name*, or None."""
        return self._transports.get(name)

    def transport_is_local(self, name: str) -> bool:
        """Does the transport deliver locally (appendfile, pipe, autoreply, lmtp)?"""
        from pyexim.transports.base import LOCAL_DRIVERS
        tp = self._transports.get(name)
        return tp is not None and tp.driver in LOCAL_DRIVERS

    def transport_overrides_hosts(self, name: str) -> bool:
        """An smtp transport with hosts and hosts_override replaces a router's hosts."""
        tp = self._transports.get(name)
        return (tp is not None and tp.driver == "smtp" and bool(tp.get("hosts_override"))
                and tp.get("hosts") is not None)

    # -- the world ------------------------------------------------------------------

    @property
    def resolver(self) -> Any:
        return self.ctx.lookup_context.resolver

    def log(self, message: str, panic: bool = False) -> None:
        """A line for the main log (and the panic log)."""
        if self.env.log is not None:
            self.env.log(message, panic)

    def debug_out(self, text: str) -> None:
        if self.env.debug is not None:
            self.env.debug(text)

    def local_interfaces(self) -> list[str]:
        """This host's addresses as Exim counts them (host_find_interfaces):
        local_interfaces and extra_local_interfaces, wildcards replaced by the
        running interfaces."""
        if self._interfaces is None:
            from pyexim.lookups.context import running_interfaces
            from pyexim.strings import list_items
            running = list(self.env.interfaces) if self.env.interfaces is not None else None
            found: list[str] = []
            for option in ("local_interfaces", "extra_local_interfaces"):
                text = self.option_str(option)
                for item in list_items(text or ""):
                    address = _strip_port(item)
                    if address in ("0.0.0.0", "::0"):
                        if running is None:
                            running = running_interfaces()
                        six = address.startswith(":")
                        found.extend(a for a in running if (":" in a) == six)
                    else:
                        found.append(address)
            self._interfaces = list(dict.fromkeys(found))
        return self._interfaces

    def hosts_file_entries(self) -> list[tuple[str, list[str]]]:
        """(address, names) lines of the hosts file, in order."""
        if self._hosts_entries is None:
            from pyexim.hostaddr import is_ip_address
            entries: list[tuple[str, list[str]]] = []
            if self.env.hosts_file:
                try:
                    with open(self.env.hosts_file, encoding="latin-1") as handle:
                        for line in handle:
                            words = line.split("#", 1)[0].split()
                            if len(words) >= 2 and is_ip_address(words[0]):
                                entries.append((words[0], words[1:]))
                except OSError:
                    pass
            self._hosts_entries = entries
        return self._hosts_entries

    def dns_name_ok(self, name: str) -> bool:
        """Does *name* pass dns_check_names_pattern (Exim's DNS name syntax check)?"""
        pattern = self.option_str("dns_check_names_pattern")
        if not pattern:
            return True
        if self._dns_names is None:
            from pyexim.regex import RegexError, compile_pcre
            try:
                self._dns_names = compile_pcre(pattern)
            except RegexError:
                self._dns_names = False
        return not self._dns_names or self._dns_names.search(name) is not None

    def rewrite_envelope(self, address: str, is_recipient: bool) -> str:
        """*address* qualified and rewritten by the global rules for its envelope field
        (Exim's rewrite_address, in pyexim.rewrite)."""
        if self._rewriter is None:
            from pyexim.rewrite import Rewriter
            self._rewriter = Rewriter.from_config(self.config)
        return str(self._rewriter.rewrite_address(
            address, is_recipient, self.ctx,
            log=lambda message, *args, **kwargs: self.log(str(message),
                                                          bool(kwargs.get("panic")))))

    def find_user(self, name: str) -> PasswdEntry | None:
        """route_finduser for a login name (max_username_length applies)."""
        limit = self.option("max_username_length")
        if isinstance(limit, int) and limit > 0 and len(name) > limit:
            return None
        return self.env.passwd.getpwnam(str.__str__(name))

    def find_group(self, name: str) -> int | None:
        """route_findgroup: a number, or a group name looked up."""
        if numeric_id(name):
            return int(name) & 0xFFFFFFFF
        return self.env.passwd.getgrnam(name)

    def find_expanded_user(self, text: str, driver_name: str, driver_type: str,
                           addr: AddressItem) -> tuple[int, int | None] | None:
        """route_find_expanded_user: (uid, gid from passwd or None), or None with the
        address's message set and the panic log written."""
        try:
            user = self.expand(text)
        except ExpansionError as error:
            addr.message = (f'Failed to expand user string "{text}" for the {driver_name} '
                            f"{driver_type}: {error.text}")
            self.log(addr.message, panic=True)
            return None
        if numeric_id(user):
            return int(user) & 0xFFFFFFFF, None
        entry = self.find_user(user)
        if entry is None:
            addr.message = (f'Failed to find user "{user}" from expanded string "{text}" '
                            f"for the {driver_name} {driver_type}")
            self.log(addr.message, panic=True)
            return None
        return entry.uid, entry.gid

    def find_expanded_group(self, text: str, driver_name: str, driver_type: str,
                            addr: AddressItem) -> int | None:
        """route_find_expanded_group: the gid, or None with the message set."""
        try:
            group = self.expand(text)
        except ExpansionError as error:
            addr.message = (f'Failed to expand group string "{text}" for the {driver_name} '
                            f"{driver_type}: {error.text}")
            self.log(addr.message, panic=True)
            return None
        gid = self.find_group(group)
        if gid is None:
            addr.message = (f'Failed to find group "{group}" from expanded string "{text}" '
                            f"for the {driver_name} {driver_type}")
            self.log(addr.message, panic=True)
        return gid

    # -- expansion --------------------------------------------------------------------

    def value(self, name: str) -> Any:
        """An expansion variable's current value (None when unset)."""
        return self.ctx.values.get(name)

    def expand(self, text: str) -> str:
        """Expand *text* now; ForcedFail / ExpansionError as pyexim.expand raises them.

        A lookup that defers is an expansion error with Exim's search_find_defer set.
        """
        from pyexim.expand import expand_string
        try:
            return expand_string(text, self.ctx)
        except LookupDeferred:
            self.search_find_defer = True
            raise

    def check_condition(self, text: str, name: str, kind: str) -> bool:
        """expand_check_condition: false for "", "0", "no", "false", a forced failure or
        an error (logged to the panic log unless a lookup deferred)."""
        try:
            value = self.expand(text)
        except ForcedFail:
            self.condition_value = "a forced failure"
            return False
        except ExpansionError as error:
            self.condition_value = f"an expansion error ({error.text})"
            if not self.search_find_defer:
                self.log(f'failed to expand condition "{text}" for {name} {kind}: '
                         f"{error.text}", panic=True)
            return False
        self.condition_value = quoted(value)
        return bool(value) and value != "0" and value.lower() not in ("no", "false")

    def exp_bool(self, addr: AddressItem, router: Router, name: str,
                 value: object) -> bool | None:
        """A boolean option that may be an expansion (Exim's exp_bool); None means defer
        (the address's message says why)."""
        if not isinstance(value, str):
            return bool(value)
        try:
            expanded = self.expand(to_engine(value))
        except ForcedFail:
            # Exim falls back to the compiled-in value: true for "more", false for "unseen".
            return name == "more"
        except ExpansionError as error:
            addr.message = f'failed to expand "{name}" in {router.name} router: {error.text}'
            return None
        lowered = expanded.lower()
        if lowered in ("true", "yes"):
            return True
        if lowered in ("false", "no"):
            return False
        addr.message = (f'"{expanded}" is not a valid value for the "{name}" option in the '
                        f"{router.name} router")
        return None

    def match_domain_plain(self, domain: str, list_text: str) -> bool:
        """Is *domain* in a domain list (expanded), ignoring lookup deferrals?"""
        from pyexim.lists import match_domain
        return match_domain(domain, list_text, self.ctx, expand=True).matched

    def match_this_host(self, list_text: str, name: str, address: str) -> bool:
        """verify_check_this_host: is the host (name, address) in a host list?"""
        from pyexim.lists import match_host
        return match_host(address, list_text, self.ctx, host_name=name).matched

    def set_expansions(self, addr: AddressItem | None) -> None:
        """Set (or clear, for None) the address variables (deliver_set_expansions)."""
        values = self.ctx.values
        if addr is None:
            for name in _ADDRESS_VARIABLES:
                values.pop(name, None)
            self.ctx.router_vars = {}
            return
        first = addr.host_list[0] if addr.host_list else None
        values["host"] = first.name if first else ""
        values["host_address"] = (first.address or "") if first else ""
        values["host_port"] = (max(first.port, 0)) if first else 0
        values["address_data"] = addr.prop.address_data
        values["domain_data"] = addr.prop.domain_data
        values["local_part_data"] = addr.prop.localpart_data
        self.ctx.router_vars = addr.prop.variables
        values["domain"] = addr.domain
        values["self_hostname"] = addr.self_hostname
        values["local_part"] = addr.local_part
        values["local_part_prefix"] = addr.prefix
        values["local_part_prefix_v"] = addr.prefix_v
        values["local_part_suffix"] = addr.suffix
        values["local_part_suffix_v"] = addr.suffix_v
        orig = addr.original()
        values["original_domain"] = orig.domain
        values["original_local_part"] = _caseful(orig)
        values["address_file"] = values["address_pipe"] = None
        if addr.parent is not None:
            values["parent_domain"] = addr.parent.domain
            values["parent_local_part"] = _caseful(addr.parent)
            if addr.pfr:
                if addr.file:
                    values["address_file"] = addr.local_part
                elif addr.local_part.startswith("|"):
                    values["address_pipe"] = addr.local_part
                parent = addr.parent
                values["local_part"] = parent.local_part
                values["local_part_prefix"] = parent.prefix
                values["local_part_prefix_v"] = parent.prefix_v
                values["local_part_suffix"] = parent.suffix
                values["local_part_suffix_v"] = parent.suffix_v
        else:
            values["parent_domain"] = values["parent_local_part"] = None

    def note(self, text: str) -> None:
        """A line for the --explain trace, when one is wanted."""
        if self.explain is not None:
            self.explain(text)

    def split_address(self, addr: AddressItem) -> bool:
        """Exim's deliver_split_address: domain and local parts, then the %-hack for
        domains in percent_hack_domains (``a%b@c`` becomes ``a@b``, as a child of the
        original). False when the address cannot be split or a lookup deferred."""
        from pyexim.lists import match_domain
        if not addr.split():
            return False
        hack = self.option_str("percent_hack_domains")
        if not hack:
            return True
        domain, local_part = addr.domain, addr.cc_local_part
        new_address: str | None = None
        while True:
            self.ctx.values["domain"] = domain
            result = match_domain(domain, hack, self.ctx, expand=True)
            if result.deferred:
                return False
            percent = local_part.rfind("%")
            if not result.matched or percent < 0:
                break
            new_address = local_part[:percent] + "@" + local_part[percent + 1:]
            domain = mark(local_part[percent + 1:].lower(), is_tainted(local_part))
            local_part = mark(local_part[:percent], is_tainted(local_part))
        self.ctx.values.pop("domain", None)
        if new_address is not None:
            original = AddressItem(addr.address, unique=addr.unique, parent=addr.parent,
                                   prop=addr.prop.copy())
            original.domain, original.cc_local_part = addr.domain, addr.cc_local_part
            original.lc_local_part = original.local_part = addr.lc_local_part
            original.child_count = 1
            addr.parent = original
            addr.address = addr.unique = mark(new_address, is_tainted(addr.address))
            addr.domain, addr.cc_local_part = domain, local_part
            addr.lc_local_part = addr.local_part = mark(local_part.lower(),
                                                        is_tainted(local_part))
        return True

    # -- routing one address ------------------------------------------------------------

    def route_address(self, addr: AddressItem, q: Queues, verify: str) -> Outcome:
        """Route *addr* through the routers from its start_router (Exim's route_address).

        Returns Accept (routed, or new addresses generated), Fail, Defer, Discard; the
        address's message says why for Fail and Defer.
        """
        outcome: Outcome = Accept()
        if self.explain is not None:
            origin = f" (from {quoted(addr.parent.address)})" if addr.parent is not None else ""
            self.note(f"routing {quoted(addr.address)}{origin}")
        index = addr.start_router
        r: Router | None = None
        try:
            while index < len(self.routers):
                r = self.routers[index]
                nextr = index + 1
                addr.router = r
                self.note(f"router {r.name} (driver {r.driver_name}):")
                skip, looped = self._loop_check(r, addr)
                if looped:
                    addr.message = None
                    self.log(f"routing loop for {addr.address}", panic=True)
                    return Defer()
                if skip:
                    self.note(f"  skipped: already routed an ancestor of {addr.address}")
                    index = nextr
                    continue
                addr.prefix = addr.prefix_v = addr.suffix = addr.suffix_v = None
                addr.local_part = addr.cc_local_part if r.caseful_local_part else \
                    addr.lc_local_part
                if not strip_affixes(self, r, addr):
                    index = nextr
                    continue
                self.ctx.values["router_name"] = r.name
                self.set_expansions(addr)
                rc, pw, error = check_conditions(self, r, addr, verify)
                if rc != "OK":
                    self.ctx.values["router_name"] = None
                    if rc == SKIP:
                        index = nextr
                        continue
                    addr.message = error
                    self.note(f"  deferred: {error}")
                    return Defer()

                set_result = self._set_router_vars(addr, r)
                if set_result is not None:
                    if isinstance(set_result, Pass):
                        index = nextr
                        continue
                    # Exim leaves route_address here without changing its yield (the
                    # previous router's result, or OK): copied as it behaves.
                    return outcome

                if r.address_data is not None:
                    try:
                        data = self.expand(r.address_data)
                    except ForcedFail:
                        self.note("  address_data: forced failure, router declines")
                        more = self.exp_bool(addr, r, "more", r.more)
                        if more is None:
                            return Defer()
                        if not more:
                            r = None
                            break
                        index = nextr
                        continue
                    except ExpansionError as error:
                        addr.message = (f'expansion of "{r.address_data}" failed in {r.name} '
                                        f"router: {error.text}")
                        return Defer()
                    self.ctx.values["address_data"] = data
                    addr.prop.address_data = data
                    self.note(f"  address_data: {quoted(data)}")

                addr.local_host_removed = False
                before = list(q.new)
                outcome = r.driver.route(r, addr, self, q, pw, verify)
                if outcome.message is not None:
                    addr.message = outcome.message
                self.ctx.values["router_name"] = None
                if self.explain is not None:
                    generated = [a.address for a in q.new if a not in before]
                    self.note(f"  {r.name} router: {_describe(outcome, addr, generated)}")

                if isinstance(outcome, Fail):
                    return outcome
                if ((verify == V_SENDER and r.fail_verify_sender)
                        or (verify == V_RECIPIENT and r.fail_verify_recipient)) and \
                        isinstance(outcome, (Accept, Pass)):
                    addr.message = f"{r.name} router forced verify failure"
                    for chain in (q.remote, q.local):
                        if chain and chain[0] is addr:
                            chain.pop(0)
                    return Fail()
                if not isinstance(outcome, (Pass, Decline)):
                    break
                if isinstance(outcome, Pass):
                    if r.pass_router is not None:
                        nextr = r.pass_router
                else:
                    more = self.exp_bool(addr, r, "more", r.more)
                    if more is None:
                        return Defer()
                    if not more:
                        self.note("  \"more\" is false: no more routers")
                        r = None
                        break
                index = nextr
            else:
                r = None

            if r is None:
                if not addr.message:
                    message = "Unrouteable address"
                    last = addr.router
                    if last is not None and last.cannot_route_message is not None:
                        try:
                            message = self.expand(last.cannot_route_message)
                        except ForcedFail:
                            pass
                        except ExpansionError as error:
                            self.log(f"failed to expand cannot_route_message in {last.name} "
                                     f"router: {error.text}", panic=True)
                    addr.message = addr.user_message = message
                addr.router = None
                self.note(f"no more routers: {addr.message}")
                return Fail()
            if isinstance(outcome, (Defer, Discard)):
                return outcome
            if isinstance(outcome, Rerouted):
                # The new child is on the queue; route_address itself reports OK.
                return Accept()
            unseen = self.exp_bool(addr, r, "unseen", r.unseen)
            if unseen is None:
                return Defer()
            addr.message = None
            if unseen and r.index + 1 < len(self.routers):
                self._route_unseen(r, addr, q)
            return Accept()
        finally:
            self.set_expansions(None)
            self.ctx.values["router_name"] = None

    def _loop_check(self, r: Router, addr: AddressItem) -> tuple[bool, bool]:
        """(skip this router, routing loop): an ancestor routed by *r* with the same
        address (any ancestor routed by it, with no_repeat_use) means skip."""
        for count, parent in enumerate(addr.ancestors(), 1):
            if parent.router is r:
                if not r.repeat_use:
                    return True, False
                same = parent.address.lower() == addr.address.lower()
                if same and r.caseful_local_part:
                    at = addr.address.rfind("@")
                    same = parent.address[:at] == addr.address[:at]
                if same:
                    return True, False
            if count > 101:
                return False, True
        return False, False

    def _set_router_vars(self, addr: AddressItem, r: Router) -> Outcome | None:
        """The "set" option: $r_... variables on the address (Exim's set_router_vars).

        None when all were set; Pass (or Fail with no_more) for a forced failure, as
        the router then declines; Fail or Defer on errors.
        """
        from pyexim.strings import list_items
        if r.set is None:
            return None
        variables = dict(addr.prop.variables)
        for element in list_items(r.set, ";"):
            name, _, assignment = element.partition("=")
            name = name.strip()
            if not name.startswith("r_") or len(name) < 3:
                self.log(f"bad router variable name '{name}' in router '{r.name}'\n",
                         panic=True)
                return Fail()
            try:
                value = self.expand(assignment.lstrip(" \t\n\v\f\r"))
            except ForcedFail:
                more = self.exp_bool(addr, r, "more", r.more)
                return Pass() if more else Fail()
            except ExpansionError as error:
                addr.message = (f'expansion of "{element}" failed in {r.name} router: '
                                f"{error.text}")
                return Defer()
            variables[name[2:]] = value
            addr.prop.variables = variables
            self.ctx.router_vars = variables
        return None

    def _route_unseen(self, r: Router, addr: AddressItem, q: Queues) -> None:
        """Routing by an "unseen" router: the address gets an invented parent (a copy
        of itself), and a clone starts again at the next router (route_unseen)."""
        parent = AddressItem(addr.address, unique=addr.unique, parent=addr.parent,
                             prop=addr.prop.copy())
        parent.domain, parent.cc_local_part = addr.domain, addr.cc_local_part
        parent.lc_local_part, parent.local_part = addr.lc_local_part, addr.local_part
        parent.router = addr.router
        parent.child_count = 2
        parent.prop.errors_address = addr.parent.prop.errors_address if addr.parent else None
        addr.parent = parent
        clone = AddressItem(addr.address, parent=parent)
        clone.prop.errors_address = parent.prop.errors_address
        clone.prop.ignore_error = addr.prop.ignore_error
        clone.prop.address_data = addr.prop.address_data
        clone.prop.variables = dict(addr.prop.variables)
        clone.start_router = r.index + 1
        q.new.insert(0, clone)
        addr.unique = f"{addr.unique}/{r.name}"

    def verify_errors_address(self, address: str) -> str | None:
        """Verify an errors_to address as a recipient (rf_get_errors_address): the
        address when it verifies, else None. Address variables are restored after."""
        from pyexim.routers.verify import OPT_IS_RECIPIENT, OPT_QUALIFY, verify_address
        saved = {name: self.ctx.values.get(name) for name in _ADDRESS_VARIABLES}
        saved_vars = self.ctx.router_vars
        saved_sender = self.ctx.values.get("sender_address")
        saved_mode = self.address_test_mode
        self.address_test_mode = False
        self.ctx.values["sender_address"] = ""
        try:
            item = AddressItem(address)
            result = verify_address(self, item, OPT_IS_RECIPIENT | OPT_QUALIFY)
        finally:
            self.address_test_mode = saved_mode
            self.ctx.values["sender_address"] = saved_sender
            self.ctx.values.update(saved)
            self.ctx.router_vars = saved_vars
        return item.address if result.code == "OK" else None


def _caseful(addr: AddressItem) -> str:
    """The local part as $original_local_part/$parent_local_part show it."""
    if addr.router is None:
        return addr.local_part
    return addr.cc_local_part if addr.router.caseful_local_part else addr.lc_local_part


def _describe(outcome: Outcome, addr: AddressItem, generated: list[str]) -> str:
    """A router's outcome in words, for --explain."""
    words = {"OK": "accepted", "DECLINE": "declined", "PASS": "passed", "DEFER": "deferred",
             "FAIL": "failed", "REROUTED": "rerouted", "DISCARD": "discarded"}
    text = words.get(outcome.code, outcome.code)
    if addr.message and outcome.code != "OK":
        text += f" ({addr.message})"
    if outcome.code == "OK" and addr.transport:
        text += f", transport {addr.transport}"
    if generated:
        text += ", new addresses " + ", ".join(quoted(a) for a in generated)
    return text


def _strip_port(item: str) -> str:
    """An interface item without its port ([addr]:port or addr.port)."""
    if item.startswith("["):
        return item[1:item.find("]")] if "]" in item else item
    dots = 3 if ":" not in item else 0
    count = 0
    for i, c in enumerate(item):
        if c == "." and ":" not in item:
            count += 1
            if count > dots:
                return item[:i]
        elif c == "." and ":" in item:
            return item[:i]
    return item
