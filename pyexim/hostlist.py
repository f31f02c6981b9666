"""Host-list items (Exim: verify.c ``check_host``); used through pyexim.lists.

``*``, an empty item (matches local input, whose address is empty), ``@`` (the primary
host name's addresses), ``@[]`` (a local interface address), IP addresses and networks,
``net<bits>-type;file`` (the masked address is the key), host names (looked up forward and
compared with the address), name patterns and lookups matched against the client's name
(found by a verified reverse lookup when it is needed), and query-style lookups.
In a ``match_ip`` list only the address counts: any lookup is keyed by it, and names are
"unknown".
"""

from __future__ import annotations

from pyexim.hostaddr import (
    host_aton,
    host_is_in_net,
    host_mask,
    host_nmtoa,
    ip_mask_offset,
    is_ip_address,
)
from pyexim.lists import (
    _FAIL,
    _OK,
    DEFER,
    ERROR,
    OK,
    HostNameLookup,
    ListPanic,
    _check_string,
    _Env,
    _Item,
    _string_block,
    _Value,
)
from pyexim.lookups.base import ABSFILE_QUERY, QUERY, LookupDefer, LookupFailed, LookupSyntaxError
from pyexim.lookups.context import LookupContext
from pyexim.lookups.registry import find_type
from pyexim.lookups.search import search
from pyexim.lookups.spec import LookupSpec, parse_lookup_type
from pyexim.record import record
from pyexim.strings import C_SPACE, span
from pyexim.taint import is_tainted, mark

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.resolver import HostNames


@record
class _HostCheck:
    """Exim's check_host_block: the client's address, and its name when known."""

    host_address: str
    host_name: str | None
    name_lookup: HostNameLookup | None
    env: _Env

    def key(self) -> str:
        return self.host_address

    def __call__(self, pattern: str, cell: _Value | None) -> _Item:
        return _check_host(self, pattern, cell)


def _check_host(cb: _HostCheck, ss: str, cell: _Value | None) -> _Item:
    """Exim's verify.c ``check_host``: one host-list item."""
    if ss == "*":
        return _OK
    if not cb.host_address:
        return _FAIL if ss else _OK
    if not ss:
        return _FAIL
    env = cb.env
    lookups = env.lookups
    isiponly = cb.host_name == ""

    if ss == "@":
        if isiponly:
            return _Item(ERROR)
        ss = lookups.primary_hostname
    elif ss == "@[]":
        return _OK if cb.host_address in lookups.interfaces() else _FAIL

    if is_ip_address(ss, allow_mask=True):
        return _OK if host_is_in_net(cb.host_address, ss, ip_mask_offset(ss)) else _FAIL

    # "1.2.3" and "1.2.3/24" are common mistakes: say so rather than look up a name.
    t = span(ss, "0123456789.")
    if t == len(ss) or (ss[t] == "/" and t != 0):
        return _Item(ERROR, error="malformed IPv4 address or address mask")

    semicolon = ss.find(";")
    opts: str | None = None
    endname = semicolon
    if semicolon >= 0:
        comma = ss.find(",")
        if 0 <= comma < semicolon:
            endname = comma
            opts = ss[comma + 1:semicolon]

    iplookup = isiponly and semicolon >= 0
    mlen = -1
    start = 0
    if ss.startswith("net") and semicolon >= 0:
        t = 3
        while t < len(ss) and ss[t].isdigit():
            t += 1
        mlen = int(ss[3:t]) if t > 3 else -1
        iplookup = ss[t:t + 1] == "-"
        start = t + 1
    if iplookup:
        return _host_ip_lookup(cb, ss[start:endname],
                               mark(ss[semicolon + 1:], is_tainted(ss)), mlen, opts, cell)

    if isiponly:
        return _Item(ERROR, error="cannot match host name in match_ip list")

    if all((ch.isascii() and ch.isalnum()) or ch in ".-_" for ch in ss):
        found = lookups.resolver.host_find_byname(ss)
        if found.status == "ok":
            if any(host_is_in_net(address, cb.host_address, 0) for address in found.addresses):
                return _OK
            return _FAIL
        if found.status == "again":
            return _Item(DEFER)
        return _Item(ERROR, error=f"failed to find IP address for {ss}")

    if cb.host_name:
        return _check_string(_string_block(cb.host_name, True, -1, True, env), ss, cell)

    if semicolon >= 0:
        try:
            spec = parse_lookup_type(ss[:semicolon])
        except LookupSyntaxError as exc:
            env.log(f'{exc.message} in host list item "{ss}"', True)
            env.search_error = exc.message
            return _Item(DEFER, error=exc.message)
        if not spec.single_key:
            item = _check_string(_string_block("", True, -1, True, env), ss, cell)
            return item if item.rc in (OK, DEFER) else _FAIL

    names = cb.name_lookup() if cb.name_lookup is not None else \
        _default_host_names(cb.host_address, lookups)
    if names is None or not names.name:
        return _Item(ERROR, error=f"failed to find host name for {cb.host_address}")
    for name in (names.name, *names.aliases):
        item = _check_string(_string_block(name, True, -1, True, env), ss, cell)
        if item.rc in (OK, DEFER):
            return item
    return _FAIL


def _host_ip_lookup(cb: _HostCheck, name: str, rest: str, mlen: int, opts: str | None,
                    cell: _Value | None) -> _Item:
    """``net<n>-type;source`` (and any lookup in a match_ip list): the address is the key."""
    ltype = find_type(name)
    if ltype is None:
        raise ListPanic(f'unknown lookup type "{name}"')
    key: str | None = None
    if ltype.style == ABSFILE_QUERY:
        end = 0
        while end < len(rest) and rest[end] not in C_SPACE:
            end += 1
        opts = ",".join(filter(None, [f"file={rest[:end]}", opts]))
        source = rest[end:].lstrip(C_SPACE)
    elif ltype.style == QUERY:
        source = rest
    else:
        # IPv6 keys use dots, not colons, except for iplsearch which reads colons itself.
        words = host_mask(host_aton(cb.host_address), mlen)
        key = host_nmtoa(words, mlen, ":" if name == "iplsearch" else ".")
        source = rest
    spec = LookupSpec(name=name, single_key=ltype.single_key, opts=opts)
    cb.env.search_error = ""
    try:
        result = search(spec, key, source, cb.env.lookups, expand=cb.env.ctx.expand,
                        partial=False)
    except LookupFailed as exc:
        raise ListPanic(exc.message) from exc
    except LookupDefer as exc:
        cb.env.search_error = exc.message
        return _Item(DEFER, error=exc.message)
    if cell is not None:
        cell.data = result.data
    return _OK if result.data is not None else _FAIL


def _default_host_names(address: str, lookups: LookupContext) -> HostNames | None:
    """The client's name by reverse lookup (verified forward), remembered for the run."""
    key = ("host_names", address)
    if key not in lookups.list_state:
        lookups.list_state[key] = lookups.resolver.host_name_lookup(address)
    found = lookups.list_state[key]
    return found if getattr(found, "status", None) == "ok" else None  # type: ignore
