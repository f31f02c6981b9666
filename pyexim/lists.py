"""Domain, host, address and local-part lists (spec: "Domain, host, address, and local part
lists"; Exim: match.c, and verify.c ``check_host``).

A list is text: items separated by ``:`` (or the separator named by a leading ``<x``), a
doubled separator standing for itself. Each item may be negated with ``!``; the first item
that matches decides, and if none does the answer is "no" unless the last item was negated.
Item forms:

- every list: ``+name`` (a named list, its result cached per subject when allowed),
  ``/file`` (each line of the file is an item; ``#`` comments), ``^regex``, ``*tail``,
  ``type;file-or-query`` (a lookup: the subject is the key), a literal;
- domain lists also: ``@`` (the primary host name), ``@[]`` (a local IP in brackets),
  ``@mx_any``, ``@mx_primary``, ``@mx_secondary`` (optionally ``/ignore=<ip list>``);
- local-part and address lists: ``+caseful`` switches to caseful matching from there on;
- address lists: ``local@domain`` (the domain part is a domain-list item), ``*@domain``,
  ``*tail@domain``, ``@@lookup;file`` (the domain is looked up to give local parts), a
  bare domain-list item matching the domain only;
- host lists: IP addresses and CIDR networks, ``net<bits>-type;file`` (the masked address
  is the key), host names (forward lookup, compared with the address), name patterns
  (matched against the client's name, found by a reverse lookup when needed), and the
  flags ``+include_unknown``, ``+ignore_unknown``, ``+include_defer``, ``+ignore_defer``.

This module scans lists and tests domain, local-part and string items; the address and
host items are tested in pyexim.addresslist and pyexim.hostlist, reached through
``match_address``, ``match_host`` and ``match_ip`` here.

Outcomes are values: ``MatchResult(matched, deferred, value, item, captures, message)``.
``value`` is the data that sets ``$domain_data``, ``$local_part_data``, ``$host_data`` or
``$value``; ``captures`` are ``$0``, ``$1``... as the match set them. Where Exim writes to
the panic log and dies (a file in a list that cannot be opened, an unknown lookup type, a
regex that does not compile), ``ListPanic`` is raised with Exim's message.
"""

from __future__ import annotations

from collections.abc import Callable

from pyexim.lookups.base import LookupDefer, LookupFailed, LookupSyntaxError, read_text
from pyexim.lookups.context import LookupContext
from pyexim.lookups.search import search
from pyexim.lookups.spec import LookupSpec, parse_lookup_type
from pyexim.record import field, record
from pyexim.regex import RegexError, compile_pcre, groups_of
from pyexim.strings import C_SPACE, SINGLE_ITEM, list_items, lower
from pyexim.taint import is_tainted, mark

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Protocol

    from pyexim.resolver import HostNames

OK, FAIL, DEFER, ERROR = "ok", "fail", "defer", "error"

# The kinds of list (Exim's MCL_*); the named-list kinds are those of pyexim.config.model.
DOMAIN, HOST, ADDRESS, LOCALPART, STRING = "domain", "host", "address", "localpart", "string"
_KIND_WORD = {DOMAIN: " domain", HOST: " host", ADDRESS: " address", LOCALPART: " local part",
              STRING: ""}


class ListPanic(Exception):
    """A list problem that makes Exim write to the panic log and exit (``message``: its text)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Interfaces for type checkers; at run time any object with these attributes will do.
if TYPE_CHECKING:
    class NamedListLike(Protocol):
        """What lists need of a named list (pyexim.config.model.NamedList)."""

        value: str
        cached: bool

    class ListContext(Protocol):
        """What list matching needs from its caller; an expansion context can be one.

        ``expand`` expands a list before it is scanned (named lists always, other lists when
        the caller asks); it raises pyexim.expand's ForcedFail / ExpansionError. An optional
        ``expand_with_domain(text, domain)`` is used for domain lists, so that ``$domain`` is
        the subject while a list is expanded if it is not already set, as Exim does.
        """

        named_lists: Mapping[str, Mapping[str, NamedListLike]]
        lookup_context: LookupContext

        def expand(self, text: str) -> str: ...


@record
class SimpleListContext:
    """A ListContext for callers without an expansion context (tests, benchmarks, lookups).

    *expander* None means lists are used unexpanded (an item needing expansion is an error).
    """

    named_lists: Mapping[str, Mapping[str, NamedListLike]] = field(default_factory=dict)
    lookup_context: LookupContext = field(default_factory=LookupContext)
    expander: Callable[[str], str] | None = None

    def expand(self, text: str) -> str:
        if self.expander is None:
            if "$" in text or "\\" in text:
                raise ListPanic(f'cannot expand "{text}": no expansion context')
            return text
        return self.expander(text)


@record(frozen=True)
class MatchResult:
    """The outcome of matching a subject against a list.

    ``matched``: the list says yes; ``deferred``: a lookup or DNS query could not complete
    (``matched`` is then False and ``message`` says why); ``value``: what the scan left for
    ``$value`` / ``$domain_data`` etc. - lookup data or the item that matched, and, as in
    Exim, possibly data left by an item that did not match in the end; ``item``: the list
    item that decided; ``captures``: ``$0``, ``$1``... as set by the match (empty when none
    were set). When deferred, ``search_error`` is what Exim's ``${if match_...}`` shows
    after "unable to complete match against ...:" - Exim's search_error_message, None where
    Exim leaves it unset and prints "NULL" (unknown named list, expansion failure); the
    clearer reason is always in ``message``.
    """

    matched: bool
    deferred: bool = False
    value: str | None = None
    item: str | None = None
    captures: tuple[str, ...] = ()
    message: str | None = None
    search_error: str | None = None


class ListCache:
    """Named-list results remembered for one subject (an address's domain, a client host).

    Exim keeps such bits per address (``domain_cache``) and per connection
    (``sender_host_cache``); give one ListCache per subject, or None for no caching.
    """

    def __init__(self) -> None:
        self.results: dict[tuple[str, str], bool] = {}
        self.data: dict[tuple[str, str], dict[str, str | None]] = {}


def in_list(value: str, list_text: str, *, caseless: bool = False) -> str | None:
    """``${if inlist{}{}}``/``inlisti``: the list item equal to *value*, or None."""
    want = lower(value) if caseless else value
    for item in list_items(list_text):
        if (lower(item) if caseless else item) == want:
            return item
    return None


# ---------------------------------------------------------------------------
# One item: the result of a single test

class _Value:
    """Exim's ``valueptr``: the data a list scan leaves for ``$value``.

    Items write it as Exim's do: a string item clears it before testing, an address item
    may leave data behind even when it then fails to match, a regex address item leaves
    it alone. Whatever it holds when the scan ends is the result's ``value``.
    """

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data: str | None = None


@record
class _Item:
    """One item's test: ``rc``, the ``$0``.. it set, Exim's ``error`` text for a deferred
    or unknown item, and a clearer ``reason`` where Exim's text says less."""

    rc: str
    captures: tuple[str, ...] | None = None
    error: str | None = None
    reason: str | None = None


_FAIL = _Item(FAIL)
_OK = _Item(OK)


def _caps(setup0: str | None, base: int, values: Sequence[str], nmax: int) -> tuple[str, ...]:
    """Numeric variables as Exim leaves them: $0 (when set up), then *values* from *base*."""
    out = [""] * (nmax + 1)
    if setup0 is not None:
        out[0] = setup0
    for i, v in enumerate(values):
        if base + i <= nmax:
            out[base + i] = v
    return tuple(out)


@record
class _Env:
    """The caller's context plus the list being matched (for messages)."""

    ctx: ListContext
    list_name: str | None = None
    # Exim's search_error_message: set by each lookup ("" when it did not defer), by a
    # deferred @mx_ item, and by a deferred item when still unset; never by expansion
    # failures or unknown named lists.
    search_error: str | None = None

    @property
    def lookups(self) -> LookupContext:
        return self.ctx.lookup_context

    def log(self, message: str, panic: bool = False) -> None:
        self.lookups.log(message, panic)


@record
class _StringCheck:
    """Exim's check_string_block: the subject and how to compare it."""

    origsubject: str
    subject: str
    expand_setup: int
    use_partial: bool
    caseless: bool
    at_is_special: bool
    env: _Env

    def key(self) -> str:
        return self.subject

    def caseful(self) -> None:
        self.subject = self.origsubject
        self.caseless = False

    def __call__(self, pattern: str, cell: _Value | None) -> _Item:
        return _check_string(self, pattern, cell)


def _string_block(subject: str, caseless: bool, expand_setup: int, at_is_special: bool,
                  env: _Env, use_partial: bool = True) -> _StringCheck:
    return _StringCheck(subject, lower(subject) if caseless else subject, expand_setup,
                        use_partial, caseless, at_is_special, env)


def _same(a: str, b: str, caseless: bool) -> bool:
    return lower(a) == lower(b) if caseless else a == b


def _check_string(cb: _StringCheck, pattern: str, cell: _Value | None) -> _Item:
    """Exim's ``check_string``: one pattern against a string, domain or local part."""
    if cell is not None:
        cell.data = None
    s = cb.origsubject if pattern.startswith("^") else cb.subject
    setup = cb.expand_setup
    zero = s if setup == 0 else None
    if setup > 0:
        setup -= 1
    wants = setup >= 0

    def hit(value: str, caps: tuple[str, ...] | None) -> _Item:
        if cell is not None:
            cell.data = value
        return _Item(OK, caps if wants else None)

    if pattern.startswith("^"):
        try:
            rx = compile_pcre(pattern, cb.caseless)
        except RegexError as exc:
            raise ListPanic(f"regular expression error: {exc.message} at offset {exc.offset} "
                            f"while compiling {pattern}") from exc
        m = rx.search(s)
        if m is None:
            return _FAIL
        groups = groups_of(m)
        return hit(pattern, _caps(zero, setup + 1, groups, setup + len(groups)))

    if pattern.startswith("*"):
        tail = pattern[1:]
        if len(tail) > len(s) or not _same(s[len(s) - len(tail):], tail, cb.caseless):
            return _FAIL
        return hit(pattern, _caps(zero, setup + 1, [s[:len(s) - len(tail)]], setup + 1))

    if cb.at_is_special and pattern.startswith("@"):
        if pattern == "@":
            pattern = cb.env.lookups.primary_hostname
        elif pattern == "@[]":
            # Exim fails only when both brackets are missing (its own "should this be ||?").
            if not s or (s[0] != "[" and s[-1] != "]"):
                return _FAIL
            if s[1:len(s) - 1] in cb.env.lookups.interfaces():
                return hit(pattern, _caps(zero, 0, [], setup))
            return _FAIL
        elif lower(pattern[:4]) == "@mx_":
            mx = _check_mx(cb, s, pattern)
            if mx is not None:
                return hit(pattern, _caps(zero, 0, [], setup)) if mx.rc == OK else mx

    semicolon = pattern.find(";")
    if semicolon < 0:
        if not _same(s, pattern, cb.caseless):
            return _FAIL
        return hit(pattern, _caps(zero, 0, [], setup))

    spec = _parse_type_or_panic(pattern[:semicolon])
    source = mark(pattern[semicolon + 1:].lstrip(C_SPACE), is_tainted(pattern))
    cb.env.search_error = ""
    try:
        result = search(spec, s if spec.single_key else None, source, cb.env.lookups,
                        expand=cb.env.ctx.expand, partial=cb.use_partial)
    except LookupFailed as exc:
        raise ListPanic(exc.message) from exc
    except LookupDefer as exc:
        cb.env.search_error = exc.message
        return _Item(DEFER, error=exc.message)
    if result.data is None:
        return _FAIL
    nmax = setup + len(result.wild) if result.wild else setup
    return hit(result.data, _caps(zero, setup + 1, result.wild, nmax))


def _parse_type_or_panic(text: str) -> LookupSpec:
    try:
        return parse_lookup_type(text)
    except LookupSyntaxError as exc:
        raise ListPanic(exc.message) from exc


def _check_mx(cb: _StringCheck, s: str, pattern: str) -> _Item | None:
    """``@mx_any``, ``@mx_primary``, ``@mx_secondary`` (None: not one of them after all)."""
    rest = pattern[4:]
    low = lower(rest)
    prim = secy = False
    if low.startswith("any"):
        rest = rest[3:]
    elif low.startswith("primary"):
        rest, prim = rest[7:], True
    elif low.startswith("secondary"):
        rest, secy = rest[9:], True
    else:
        return None
    ignore: str | None = None
    if lower(rest[:8]) == "/ignore=":
        ignore = rest[8:]
    elif rest:
        return None
    lookups = cb.env.lookups

    def ignored(address: str) -> bool:
        return ignore is not None and match_host(address, ignore, cb.env.ctx,
                                                 host_name="").matched
    found = lookups.resolver.mx_local(s, lookups.interfaces(), ignored)
    if found.status == "again":
        cb.env.search_error = f'DNS lookup of "{s}" deferred'
        return _Item(DEFER, error=cb.env.search_error)
    if (found.status != "local" or secy) and (prim or not found.removed):
        return _FAIL
    return _OK


# ---------------------------------------------------------------------------
# Scanning a list

@record
class _Outcome:
    rc: str
    item: str | None = None
    captures: tuple[str, ...] | None = None
    message: str | None = None
    cacheable: bool = True


Check = Callable[[str, "_Value | None"], _Item]


def _expand_list(text: str, kind: str, subject: str, env: _Env) -> _Outcome | str:
    """Expand a list before scanning: forced failure is "not in list", an error defers.

    Like Exim's ``expand_cstring``, text without ``$`` or ``\\`` is used as it is.
    """
    if "$" not in text and "\\" not in text:
        return text
    from pyexim.expand import ExpansionError, ForcedFail
    ctx = env.ctx
    try:
        with_domain = getattr(ctx, "expand_with_domain", None)
        if kind == DOMAIN and with_domain is not None:
            return str(with_domain(text, subject))
        return ctx.expand(text)
    except ForcedFail:
        return _Outcome(FAIL)
    except ExpansionError as exc:
        message = f'failed to expand "{text}" while checking a list: {exc}'
        env.log(message, True)
        return _Outcome(DEFER, message=message)


_HOST_FLAGS = {"+include_unknown": ("include_unknown", "ignore_unknown"),
               "+ignore_unknown": ("ignore_unknown", "include_unknown"),
               "+include_defer": ("include_defer", "ignore_defer"),
               "+ignore_defer": ("ignore_defer", "include_defer")}


def _check_list(list_text: str | None, sep: str | None, anchor: str | None,
                cache: ListCache | None, check: Check, block: object, kind: str,
                expand: bool, env: _Env, subject: str, cell: _Value) -> _Outcome:
    """Exim's ``match_check_list``: scan *list_text* calling *check* for each item."""
    if list_text is None:
        return _Outcome(FAIL)
    if expand:
        expanded = _expand_list(list_text, kind, subject, env)
        if isinstance(expanded, _Outcome):
            return expanded
        list_text = expanded

    flags = {"include_unknown": False, "ignore_unknown": False,
             "include_defer": False, "ignore_defer": False}
    yield_ = OK
    cacheable = True
    for sss in list_items(list_text, sep):
        ss = sss
        if kind in (ADDRESS, LOCALPART) and ss == "+caseful":
            block.caseful()  # type: ignore[attr-defined]
            continue
        if kind == HOST and ss in _HOST_FLAGS:
            on, off = _HOST_FLAGS[ss]
            flags[on], flags[off] = True, False
            continue
        if ss.startswith("!"):
            yield_ = FAIL
            ss = ss[1:].lstrip(C_SPACE)
        else:
            yield_ = OK

        if ss.startswith("/"):
            found = _check_file(ss, sss, check, kind, flags, yield_, env, list_text, cell)
            if isinstance(found, _Outcome):
                return found
            yield_ = found
            continue

        if ss.startswith("+") and anchor is not None:
            named, named_cacheable = _check_named(ss, sss, anchor, cache, check, block, kind,
                                                  env, subject, cell)
            cacheable = cacheable and named_cacheable
            if named is None:
                continue
            if named.rc != DEFER:
                named.rc = yield_
            named.cacheable = cacheable
            return named

        outcome = _item_outcome(check(ss, cell), ss, sss, yield_, flags, env, in_file=False)
        if outcome is not None:
            outcome.cacheable = cacheable
            return outcome

    return _Outcome(FAIL if yield_ == OK else OK, cacheable=cacheable)


def _item_outcome(item: _Item, ss: str, sss: str, yield_: str, flags: dict[str, bool],
                  env: _Env, *, in_file: bool) -> _Outcome | None:
    """What one item's test means for the list: an answer, or None to go on."""
    if item.rc == OK:
        return _Outcome(yield_, sss, item.captures)
    if item.rc == DEFER:
        error = item.error if item.error is not None else (
            f"DNS lookup of {ss} deferred" if in_file else f'DNS lookup of "{ss}" deferred')
        if flags["ignore_defer"]:
            return None
        if flags["include_defer"]:
            env.log(f"{error}: accepted by +include_defer")
            return _Outcome(OK, sss)
        if not in_file and env.search_error is None:
            env.search_error = error
        return _Outcome(DEFER, sss, message=item.reason or error)
    if item.rc == ERROR:
        if flags["ignore_unknown"]:
            return None
        if not flags["include_unknown"]:
            return _Outcome(FAIL, sss, message=item.error)
        env.log(f"{item.error}: accepted by +include_unknown")
        return _Outcome(OK, sss)
    return None


def _check_named(ss: str, sss: str, anchor: str, cache: ListCache | None, check: Check,
                 block: object, kind: str, env: _Env, subject: str,
                 cell: _Value) -> tuple[_Outcome | None, bool]:
    """A ``+name`` item: (the answer, or None when the named list did not match; whether
    the result may be cached)."""
    name = ss[1:]
    named = env.ctx.named_lists.get(anchor, {}).get(name)
    if named is None:
        message = f'unknown named{_KIND_WORD[kind]} list "{ss}"'
        env.log(message, True)
        return _Outcome(DEFER, sss, message=message), True
    # A list that contains expansions is not cacheable unless defined with "_cache".
    cacheable = bool(getattr(named, "cached", "$" not in named.value))
    use_cache = cache if cacheable else None
    cache_key = (anchor, name)
    key = block.key()  # type: ignore[attr-defined]
    if use_cache is not None and cache_key in use_cache.results:
        if not use_cache.results[cache_key]:
            return None, True
        data = use_cache.data.get(cache_key, {})
        if key in data:
            cell.data = data[key]
        return _Outcome(OK, sss), True
    sub = _check_list(named.value, None, anchor, use_cache, check, block, kind, True, env,
                      subject, cell)
    cacheable = cacheable and sub.cacheable
    if sub.rc == DEFER:
        return sub, cacheable
    if use_cache is not None and cacheable:
        use_cache.results[cache_key] = sub.rc == OK
        use_cache.data.setdefault(cache_key, {})[key] = cell.data
    if sub.rc != OK:
        return None, cacheable
    return _Outcome(OK, sss, sub.captures), cacheable


def _check_file(filename: str, sss: str, check: Check, kind: str, flags: dict[str, bool],
                yield_: str, env: _Env, list_text: str, cell: _Value) -> _Outcome | str:
    """A ``/file`` item: each line is an item; returns the answer or the yield to carry on."""
    try:
        content = read_text(filename)
    except OSError as exc:
        listname = env.list_name or f'"{list_text}"'
        raise ListPanic(f"failed to open {sss} when checking {listname}: "
                        f"{exc.strerror}") from exc
    file_yield = yield_
    # In address and local-part lists "#" is a comment only after white space.
    hash_needs_space = kind in (ADDRESS, LOCALPART)
    for line in content.splitlines():
        start = 0
        while True:
            hashpos = line.find("#", start)
            if hashpos < 0:
                break
            if not hash_needs_space or hashpos == 0 or line[hashpos - 1] in C_SPACE:
                line = line[:hashpos]
                break
            start = hashpos + 1
        ss = line.strip(C_SPACE)
        if not ss:
            continue
        file_yield = yield_
        if ss.startswith("!"):
            file_yield = FAIL if file_yield == OK else OK
            ss = ss[1:].lstrip(C_SPACE)
        item = check(ss, cell)
        outcome = _item_outcome(item, ss, ss, file_yield, flags, env, in_file=True)
        if outcome is not None:
            if item.rc == OK:
                cell.data = ss
            return outcome
    return file_yield


def _result(outcome: _Outcome, cell: _Value, env: _Env) -> MatchResult:
    deferred = outcome.rc == DEFER
    return MatchResult(matched=outcome.rc == OK, deferred=deferred, value=cell.data,
                       item=outcome.item, captures=outcome.captures or (),
                       message=outcome.message,
                       search_error=env.search_error if deferred else None)


# ---------------------------------------------------------------------------
# Domain, local-part and string lists

def _match_in_list(subject: str, list_text: str | None, ctx: ListContext, kind: str,
                   anchor: str | None, *, caseless: bool, expand: bool,
                   cache: ListCache | None, sep: str | None,
                   list_name: str | None) -> MatchResult:
    """Exim's ``match_isinlist``."""
    env = _Env(ctx, list_name)
    if kind in (DOMAIN, LOCALPART):
        setup = 0
    else:
        setup = 0 if sep == SINGLE_ITEM else -1
    block = _string_block(subject, caseless, setup, kind == DOMAIN, env)
    cell = _Value()
    outcome = _check_list(list_text, sep, anchor, cache, block, block, kind, expand, env,
                          block.subject, cell)
    return _result(outcome, cell, env)


def match_domain(domain: str, list_text: str | None, ctx: ListContext, *,
                 caseless: bool = True, expand: bool = False, cache: ListCache | None = None,
                 single_item: bool = False, list_name: str | None = None) -> MatchResult:
    """Match *domain* against a domain list (``domains =``, ``${if match_domain}``).

    *expand* expands the list first (options such as ``domains``; ``match_domain`` in an
    expansion has expanded it already). *cache* remembers named-list results for this
    domain; *single_item* takes *list_text* as one pattern, not a list (a manualroute
    route_list domain); *list_name* names the option in messages.
    """
    return _match_in_list(domain, list_text, ctx, DOMAIN, DOMAIN, caseless=caseless,
                          expand=expand, cache=cache,
                          sep=SINGLE_ITEM if single_item else None, list_name=list_name)


def match_local_part(local_part: str, list_text: str | None, ctx: ListContext, *,
                     caseless: bool = False, expand: bool = False,
                     cache: ListCache | None = None,
                     list_name: str | None = None) -> MatchResult:
    """Match a local part against a local-part list (caseful unless *caseless*; the
    ``match_local_part`` expansion condition matches caselessly)."""
    return _match_in_list(local_part, list_text, ctx, LOCALPART, LOCALPART,
                          caseless=caseless, expand=expand, cache=cache, sep=None,
                          list_name=list_name)


def match_string_list(value: str, list_text: str | None, ctx: ListContext, *,
                      caseless: bool = True, expand: bool = False,
                      named_kind: str | None = None, single_item: bool = False,
                      list_name: str | None = None) -> MatchResult:
    """Match a plain string against a list of patterns (Exim's MCL_STRING lists, e.g. the
    ACL conditions ``encrypted`` and ``authenticated``): regex, ``*tail``, lookups,
    literals; ``named_kind`` allows ``+name`` items of that named-list kind.

    For ``${if inlist}`` (plain comparison) use ``in_list``.
    """
    return _match_in_list(value, list_text, ctx, STRING, named_kind, caseless=caseless,
                          expand=expand, cache=None,
                          sep=SINGLE_ITEM if single_item else None, list_name=list_name)


def match_wild_key(key: str, pattern: str, lookups: LookupContext, *,
                   expand: Callable[[str], str] | None, expand_key: bool) -> bool:
    """Does a wildlsearch/nwildlsearch file key match the lookup key? (caseless, one item)

    Raises LookupDefer when the item defers or cannot be expanded.
    """
    needs_expansion = expand_key and ("$" in pattern or "\\" in pattern)
    if needs_expansion and expand is None:
        raise LookupDefer(f'wildlsearch key "{pattern}" needs expanding, '
                          "but there is no expansion context")
    env = _Env(SimpleListContext({}, lookups, expand))
    block = _string_block(key, True, 0, False, env)
    outcome = _check_list(pattern, SINGLE_ITEM, None, None, block, block, STRING,
                          needs_expansion, env, key, _Value())
    if outcome.rc == DEFER:
        raise LookupDefer(outcome.message or "")
    return outcome.rc == OK


# ---------------------------------------------------------------------------
# Address and host lists (their item tests are in pyexim.addresslist and pyexim.hostlist)

HostNameLookup = Callable[[], "HostNames | None"]


def match_address(address: str, list_text: str | None, ctx: ListContext, *,
                  caseless: bool = True, expand: bool = False, cache: ListCache | None = None,
                  expand_setup: int = -1, single_item: bool = False,
                  list_name: str | None = None) -> MatchResult:
    """Match an address against an address list (``senders =``, ``${if match_address}``).

    With *caseless* (the default, RFC 2505) the whole address is lower-cased first, else
    only the domain; ``+caseful`` in the list restores the local part's case.
    *expand_setup* 0 sets ``$0`` to the address and ``$1``... from wildcards (rewriting).
    """
    at = address.rfind("@")
    if caseless or at < 0:
        lowered = lower(address)
    else:
        lowered = address[:at + 1] + lower(address[at + 1:])
    from pyexim.addresslist import _AddressCheck
    env = _Env(ctx, list_name)
    block = _AddressCheck(address, lowered, 1 if expand_setup == 0 else expand_setup,
                          caseless, env)
    cell = _Value()
    outcome = _check_list(list_text, SINGLE_ITEM if single_item else None, ADDRESS, cache,
                          block, block, ADDRESS, expand, env, lowered, cell)
    if expand_setup == 0 and outcome.rc == OK:
        caps = list(outcome.captures or ("",))
        caps[0] = address
        outcome.captures = tuple(caps)
    return _result(outcome, cell, env)


def match_host(host_address: str, list_text: str | None, ctx: ListContext, *,
               host_name: str | None = None, name_lookup: HostNameLookup | None = None,
               expand: bool = True, cache: ListCache | None = None,
               list_name: str | None = None) -> MatchResult:
    """Match a host against a host list (``hosts =``, ``host_lookup``, ``relay_from_hosts``).

    *host_address* is the IP address ("" for local, non-SMTP input, which matches only an
    empty item). *host_name* is the host's name when known (outgoing hosts); otherwise
    name patterns need the client's name, which *name_lookup* supplies (the SMTP session
    does the lookup once and sets ``$sender_host_name``); without it, the resolver is asked.
    ``::ffff:a.b.c.d`` addresses match IPv4 items.
    """
    from pyexim.hostlist import _HostCheck
    env = _Env(ctx, list_name)
    block = _HostCheck(host_address, host_name, name_lookup, env)
    cell = _Value()
    return _result(_check_list(list_text, None, HOST, cache, block, block, HOST, expand, env,
                               host_address, cell), cell, env)


def match_ip(address: str, list_text: str | None, ctx: ListContext, *,
             expand: bool = True) -> MatchResult:
    """``${if match_ip{address}{list}}``: a host list where only IP items can match.

    Host names and name patterns are "unknown" (the item fails unless ``+include_unknown``);
    any lookup is keyed by the address. The caller checks that *address* is an IP address
    (Exim fails the expansion with ``"x" is not an IP address`` otherwise).
    """
    return match_host(address, list_text, ctx, host_name="", expand=expand)
