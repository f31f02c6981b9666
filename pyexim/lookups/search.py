"""Running a lookup: open, cache, partial matching, ``*`` and ``*@`` defaults, ``ret=key``.

This is Exim's search.c ``search_open``/``search_find``/``internal_search_find``: the
decorations of a lookup type are applied here, the same way for every type:

1. the key as given; then, for ``partialN(affix)-``, the affix plus the key, then the key
   with leading components replaced by the affix while at least N components remain
   (``*.a.b.c``, ``*.b.c``, ...); then for ``*@`` the key with its local part replaced by
   ``*``; then for ``*`` or ``*@`` the key ``*``;
2. each attempt goes through the per-file result cache unless ``cache=no_rd``;
3. with ``ret=key`` a hit returns the key itself (untainted, as Exim does).

A successful partial or default match also yields the "wild" and "fixed" parts of the key,
which Exim puts in ``$1`` and ``$2``; ``search()`` returns them.
"""

from __future__ import annotations

from collections.abc import Callable

from pyexim.lookups.base import LookupDefer, LookupFailed, TaintedLookupFile
from pyexim.lookups.context import CacheEntry, LookupContext, OpenLookup
from pyexim.lookups.spec import LookupSpec, split_query
from pyexim.record import record
from pyexim.taint import is_tainted, mark

Expander = Callable[[str], str]


@record(frozen=True)
class SearchResult:
    """The data found (None: not found) and the ``$1``/``$2`` values a partial/default match set."""

    data: str | None
    wild: tuple[str, ...] = ()


def _split_global_opts(opts: str | None) -> tuple[str | None, bool, bool]:
    """Drop ``ret=key`` and ``cache=no_rd`` from *opts*: (rest or None, ret_key, cache_rd)."""
    if not opts:
        return opts, False, True
    ret_key = False
    cache_rd = True
    rest: list[str] = []
    for item in opts.split(","):
        item = item.strip()
        if item == "ret=key":
            ret_key = True
        elif item == "cache=no_rd":
            cache_rd = False
        elif item:
            rest.append(item)
    return (",".join(rest) if rest else None), ret_key, cache_rd


def _find_one(entry: OpenLookup, key: str, opts: str | None, cache_rd: bool,
              ctx: LookupContext, expand: Expander | None) -> str | None:
    """Exim's ``internal_search_find``: one key, through the result cache."""
    if key == "":
        return None
    now = ctx.clock()
    cached = entry.items.get(key)
    if (cached is not None and cache_rd
            and (cached.expiry is None or cached.expiry > now)
            and cached.opts == opts):
        return cached.data
    ltype = entry.ltype
    found = ltype.find(entry.handle, entry.filename, key, opts, ctx, expand=expand)
    data = found.data if found is not None else None
    ttl = found.ttl if found is not None else None
    if ttl == 0:
        entry.items.clear()
    else:
        entry.items[key] = CacheEntry(data, None if ttl is None else now + ttl, opts)
    return data


def open_for(spec: LookupSpec, filename: str | None, ctx: LookupContext) -> OpenLookup:
    """Exim's ``search_open``: refuse a tainted file name, then open (cached) the file/database."""
    if filename is not None and is_tainted(filename):
        message = f"Tainted filename for search: '{filename}'"
        ctx.log(message, True)
        raise TaintedLookupFile(message)
    return ctx.open(spec.type, filename)


def search(spec: LookupSpec, key: str | None, source: str, ctx: LookupContext, *,
           expand: Expander | None = None, partial: bool = True) -> SearchResult:
    """Run a lookup with all of Exim's decorations; see the module docstring.

    *key* is the key for single-key types (None for query styles, where *source* is the
    query); *source* is the file name (single-key) or the query. *expand* expands
    ``wildlsearch`` keys. *partial* False ignores a ``partial-`` prefix (address lists).
    Raises LookupFailed (cannot open, tainted file name) and LookupDefer.
    """
    if spec.single_key:
        filename: str | None = source
        keystring = key if key is not None else ""
    else:
        filename, keystring = split_query(spec, source)
        if is_tainted(source):
            keystring = mark(keystring)
    entry = open_for(spec, filename, ctx)
    opts, ret_key, cache_rd = _split_global_opts(spec.opts)
    env_expand = expand

    def find(k: str) -> str | None:
        return _find_one(entry, k, opts, cache_rd, ctx, env_expand)

    wild: tuple[str, ...] = ()
    set_null_wild = False
    use_partial = spec.partial is not None and partial
    data = find(keystring)
    if data is not None:
        set_null_wild = use_partial
    elif use_partial:
        assert spec.partial is not None
        affix = spec.affix
        if affix:
            data = find(affix + keystring)
        if data is None:
            data, wild = _partial_chop(keystring, affix, spec.partial, find)
        else:
            set_null_wild = True

    if data is None and spec.starat:
        at = keystring.rfind("@")
        if at > 0:
            data = find("*" + keystring[at:])
            if data is not None:
                wild = (keystring[:at], "")

    if data is None and (spec.star or spec.starat):
        data = find("*")
        if data is not None:
            wild = (keystring, "")

    if set_null_wild:
        wild = ("", keystring)

    if data is not None and ret_key:
        data = mark(keystring, False)
    return SearchResult(data, wild)


def _partial_chop(key: str, affix: str, minimum: int,
                  find: Callable[[str], str | None]) -> tuple[str | None, tuple[str, ...]]:
    """Try the key with leading components replaced by *affix* (search.c's partial loop)."""
    dotcount = key.count(".")
    pos = 0
    affixlen = len(affix)
    while dotcount >= minimum:
        dotcount -= 1
        dot = key.find(".", pos)
        if dot < 0:
            if affixlen < 1:
                break
            if affixlen > 1 and affix.endswith("."):
                affixlen -= 1
            candidate = affix[:affixlen]
            pos = len(key)
        else:
            candidate = affix + key[dot + 1:]
            pos = dot + 1
        data = find(candidate)
        if data is not None:
            fixedlength = len(candidate) - affixlen
            wildlength = len(key) - fixedlength - 1
            fixed = key[wildlength + 1:wildlength + 1 + max(fixedlength, 0)]
            return data, (key[:max(wildlength, 0)], fixed)
    return None, ()


def lookup(spec: LookupSpec, key: str | None, source: str, ctx: LookupContext, *,
           expand: Expander | None = None) -> str | None:
    """The data for *key* (single-key types) or the query *source*, or None when not found.

    Raises LookupFailed (with Exim's message) for a file that cannot be opened or a tainted
    file name, LookupDefer when the lookup could not complete.
    """
    return search(spec, key, source, ctx, expand=expand).data


__all__ = ["LookupDefer", "LookupFailed", "SearchResult", "TaintedLookupFile", "lookup", "open_for",
           "search"]
