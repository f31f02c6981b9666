"""Lookup type names with their decorations: ``partial2(.)lsearch*@,ret=key`` (Exim: search.c).

``parse_lookup_type`` reads what Exim's ``search_findtype_partial`` reads, with the same
quirks and the same error texts; ``split_query`` is Exim's ``search_args`` (where the file
name of a query-style lookup with a file, such as sqlite, comes from).
"""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType

from pyexim.lookups.base import ABSFILE_QUERY, QUERY, LookupSyntaxError, LookupType
from pyexim.lookups.registry import find_type
from pyexim.record import field, record
from pyexim.strings import PUNCT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping

_SPACE = " \t\n\r\v\f"


@record(frozen=True)
class LookupSpec:
    """A parsed lookup type.

    ``partial``: None for no partial matching, else the minimum number of non-wild
    components; ``affix``: the partial affix (default ``*.``); ``star``/``starat``: the
    ``*`` / ``*@`` defaults; ``opts``: the text after the first comma, as Exim keeps it
    (``ret=key``, ``cache=no_rd`` and type-specific options such as ``ret=full``);
    ``options``: the same as a mapping (``{"ret": "key"}``; bare words map to ``""``).
    """

    name: str
    partial: int | None = None
    affix: str = ""
    star: bool = False
    starat: bool = False
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    single_key: bool = True
    opts: str | None = None
    text: str = ""

    @property
    def type(self) -> LookupType:
        """The registry object for this lookup type."""
        found = find_type(self.name)
        assert found is not None
        return found

    @property
    def style(self) -> str:
        """The lookup style (``base.ABSFILE``, ``SINGLEKEY``, ``QUERY``, ``ABSFILE_QUERY``)."""
        return self.type.style


def _options_mapping(opts: str | None) -> Mapping[str, str]:
    out: dict[str, str] = {}
    if opts:
        for item in opts.split(","):
            item = item.strip()
            if not item:
                continue
            name, _, value = item.partition("=")
            out.setdefault(name, value)
    return MappingProxyType(out)


def lookup_type_known(name: str) -> LookupType:
    """The registry entry for a bare lookup name, or LookupSyntaxError with Exim's words."""
    found = find_type(name)
    if found is None:
        raise LookupSyntaxError(f'unknown lookup type "{name}"')
    return found


@lru_cache(maxsize=1024)
def parse_lookup_type(text: str) -> LookupSpec:
    """Parse a full lookup type such as ``partial-lsearch*@,ret=key``.

    Raises LookupSyntaxError with Exim's message: ``format error in lookup type "..."``,
    ``unknown lookup type "..."``, ``"partial" is not permitted for lookup type "..."``,
    ``defaults using "*" or "*@" are not permitted for lookup type "..."``.
    """
    partial: int | None = None
    affix = ""
    pos = 0
    if text.startswith("partial"):
        pos = 7
        if pos < len(text) and text[pos].isdigit():
            start = pos
            while pos < len(text) and text[pos].isdigit():
                pos += 1
            partial = int(text[start:pos])
        else:
            partial = 2
        if pos < len(text) and text[pos] == "(":
            pos += 1
            start = pos
            while pos < len(text) and text[pos] in PUNCT and text[pos] != ")":
                pos += 1
            if pos >= len(text) or text[pos] != ")":
                raise LookupSyntaxError(f'format error in lookup type "{text}"')
            affix = text[start:pos]
            pos += 1
        elif pos < len(text) and text[pos] == "-":
            affix = "*."
            pos += 1
        else:
            raise LookupSyntaxError(f'format error in lookup type "{text}"')

    rest = text[pos:]
    namelen = len(rest)
    star = starat = False
    search_from = 0
    starpos = rest.find("*")
    if starpos >= 0:
        namelen = starpos
        if rest[starpos + 1:starpos + 2] == "@":
            starat = True
        else:
            star = True
        search_from = starpos
    # Exim looks for the options' comma only after the "*" (a comma before it is kept in
    # the name, which then is unknown): copied on purpose.
    opts: str | None = None
    comma = rest.find(",", search_from)
    if comma >= 0:
        namelen = min(namelen, comma)
        opts = rest[comma + 1:]
    name = rest[:namelen]
    ltype = lookup_type_known(name)
    if ltype.style == QUERY:
        if partial is not None:
            raise LookupSyntaxError(f'"partial" is not permitted for lookup type "{rest}"')
        if star or starat:
            raise LookupSyntaxError(
                f'defaults using "*" or "*@" are not permitted for lookup type "{rest}"')
    return LookupSpec(name=name, partial=partial, affix=affix, star=star, starat=starat,
                      options=_options_mapping(opts), single_key=ltype.single_key,
                      opts=opts, text=text)


def split_query(spec: LookupSpec, query: str) -> tuple[str | None, str]:
    """Exim's ``search_args`` for the non-single-key styles: ``(file name or None, query)``.

    Leading white space is dropped from the query. For a query-style lookup with a file
    (sqlite), the file comes from a ``file=`` option, else from a leading ``/path``.
    """
    query = query.lstrip(_SPACE)
    if spec.style == ABSFILE_QUERY:
        if spec.opts:
            for item in spec.opts.split(","):
                item = item.strip()
                if item.startswith("file="):
                    return item[5:], query
        if query.startswith("/"):
            end = 0
            while end < len(query) and query[end] not in _SPACE:
                end += 1
            return query[:end], query[end:].lstrip(_SPACE)
        return None, query
    return None, query
