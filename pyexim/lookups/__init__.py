"""Lookups: one module per lookup type and one registry (Exim: search.c, lookups/).

Contract: a lookup is (type with its partial-/*/*@/ret=/cache= decorations, key,
file or query). It returns the data found, "not found", or a deferral (the lookup
could not be completed now). Results are cached per run. Tainted file names are
refused as Exim 4.96 refuses them.

Public interface::

    spec = parse_lookup_type("partial-lsearch*@,ret=key")   # LookupSyntaxError
    ctx = LookupContext()                                    # one per message/session
    data = lookup(spec, "key", "/etc/file", ctx)             # str, or None: not found
    data = lookup(parse_lookup_type("dnsdb"), None, "mx=example.com", ctx)
    result = search(spec, key, source, ctx)                  # data and the $1/$2 parts
    quote("sqlite", "it's")                                  # ${quote_sqlite:...}

``lookup`` raises LookupDefer (the lookup could not complete: defer) and LookupFailed
(cannot open the file, tainted file name: Exim fails the expansion). The modules:
``spec`` (type parsing), ``search`` (decorations, caching), ``context`` (per-run state),
``registry`` (the type table) and one module per type.
"""

from pyexim.lookups.base import Found, LookupDefer, LookupFailed, LookupSyntaxError, LookupType
from pyexim.lookups.context import LookupContext
from pyexim.lookups.registry import LOOKUP_TYPES, find_type
from pyexim.lookups.search import SearchResult, lookup, search
from pyexim.lookups.spec import LookupSpec, parse_lookup_type, split_query


def quote(lookup_name: str, value: str) -> str:
    """``${quote_NAME:value}``; NAME may carry an option (``ldap_dn``).

    Raises LookupSyntaxError with Exim's message for an unknown lookup type
    (``unknown lookup type "redis"``) or an option the type does not know
    (``"x" unrecognized after "${quote_mysql"``).
    """
    name, _, option = lookup_name.partition("_")
    ltype = find_type(name)
    if ltype is None:
        raise LookupSyntaxError(f'unknown lookup type "{name}"')
    quoted = ltype.quote(value, option if _ else None)
    if quoted is None:
        raise LookupSyntaxError(f'"{option}" unrecognized after "${{quote_{name}"')
    return quoted


__all__ = ["Found", "LOOKUP_TYPES", "LookupContext", "LookupDefer", "LookupFailed",
           "LookupSpec", "LookupSyntaxError", "LookupType", "SearchResult", "find_type",
           "lookup", "parse_lookup_type", "quote", "search", "split_query"]
