"""A FilterEnv over pyexim's expansion engine: what the redirect router and -bf hand a filter.

The filter's own variables ($n0.., $sn0.., $thisaddress, $0..) are put into the
expansion context for each expansion, as Exim keeps them in globals that
expand_string() reads. Header changes made by ``headers add/remove`` go into the
context's header list, so later expansions ($h_..., $message_headers) see them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyexim.expand import ExpansionContext, ExpansionError, expand_string
from pyexim.expand.context import HeaderView
from pyexim.expand.variables import find_header
from pyexim.filter.env import FilterExpansionError, FilterVariables
from pyexim.message import HTYPE_OLD, HTYPE_OTHER, header_kind
from pyexim.strings import lower

# Header kinds that keep their own flag when a filter adds a header; Exim turns its
# internal lower-case kinds (Date:, Subject:...) into "other".
_FLAGGED = frozenset("BCFIPRST")


class EngineEnv:
    """FilterEnv implemented with an ExpansionContext (pyexim.expand).

    *rewrite_recipient* qualifies and rewrites a generated address (Exim's
    rewrite_address for envelope recipients).
    """

    def __init__(self, ctx: ExpansionContext, rewrite_recipient: Callable[[str], str]):
        self.ctx = ctx
        self._rewrite = rewrite_recipient
        self._charset = ctx.options.headers_charset

    def expand(self, text: str, variables: FilterVariables | None) -> str:
        ctx = self.ctx
        ctx.filter_running = variables is not None
        if variables is not None:
            ctx.filter_vars = list(variables.n)
            ctx.filter_svars = list(variables.sn)
            ctx.values["thisaddress"] = variables.this_address or ""
            ctx.match_strings = list(variables.numeric)
        try:
            return expand_string(text, ctx)
        except ExpansionError as error:
            raise FilterExpansionError(str(error)) from None

    def header_lines(self) -> Sequence[str]:
        return [h.text for h in self.ctx.headers if h.type != HTYPE_OLD and h.text]

    def find_header(self, name: str, *, raw: bool = False,
                    exists_only: bool = False) -> str | None:
        return find_header(self.ctx, name, raw=raw, exists_only=exists_only)

    def add_header(self, text: str) -> None:
        kind = header_kind(text)
        self.ctx.headers.append(HeaderView(text, kind if kind in _FLAGGED else HTYPE_OTHER))

    def remove_header(self, name: str) -> None:
        """Mark every live header called exactly *name* as deleted (Exim's header_remove)."""
        size = len(name)
        for header in self.ctx.headers:
            text = header.text
            if (header.type != HTYPE_OLD and text[size:size + 1] == ":"
                    and lower(text[:size]) == lower(name)):
                header.type = HTYPE_OLD

    def set_headers_charset(self, charset: str | None) -> None:
        self.ctx.options.headers_charset = charset if charset is not None else self._charset

    def rewrite_recipient(self, address: str) -> str:
        return self._rewrite(address)
