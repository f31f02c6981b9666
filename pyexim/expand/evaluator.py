"""Evaluate parsed expansion nodes against a context (Exim: expand.c expand_string_internal).

The evaluator walks nodes in source order with a ``skipping`` flag, as Exim's
reader does: a skipped branch (the unused half of ``${if}``, a failed lookup's
"yes" string) is still walked, so syntax errors in it are reported, but variables
read as empty, lookups are not done and operators are not applied. Items and
conditions are dispatched through the registries in items.py and conditions.py;
operators through operators.py; variables through variables.py.

Errors: ``ExpansionError`` carries Exim's message text; ``ForcedFail`` (a subclass)
is a forced failure (``fail`` in ``${if}``, a deferring ``${acl}``). ``CurlyError``
is Exim's EXPAND_FAILED_CURLY class: a bracketing problem whose message is
replaced by a generic one when a header name was probably left unterminated.
"""

from __future__ import annotations

from collections.abc import Callable

from pyexim.expand.context import ExpansionContext
from pyexim.expand.nodes import (
    Break,
    CondGroup,
    Condition,
    Group,
    HeaderRef,
    Item,
    Literal,
    MatchRef,
    Operator,
    Seq,
    Token,
    Variable,
    Word,
    broken_in,
)
from pyexim.strings import SPACE, lower, strtol
from pyexim.taint import Tainted


class ExpansionError(Exception):
    """An expansion failed, with Exim's expand_string_message.

    *message* None is a failure for which Exim leaves expand_string_message unset (a
    tainted lookup file). ``message`` is the text as C's printf shows it, which is what
    -be prints after "Failed: " ("(null)" when unset); ``text`` as Exim's own
    string_sprintf shows it, which is what every log line, address error and enclosing
    expansion message holds ("NULL" when unset). ``str()`` gives ``text``.
    """

    def __init__(self, message: str | None):
        self.unset = message is None
        self.message = "(null)" if message is None else message
        super().__init__(self.message)

    @property
    def text(self) -> str:
        """The message as Exim's string_sprintf formats it: "NULL" when unset."""
        return "NULL" if self.unset else self.message

    def __str__(self) -> str:
        return self.text


class ForcedFail(ExpansionError):
    """A forced failure (``fail`` requested, ACL deferred...): distinct from an error."""


class CurlyError(ExpansionError):
    """A bracketing error (Exim's EXPAND_FAILED_CURLY); see Evaluator.item."""


class LookupDeferred(ExpansionError):
    """A lookup in the expansion deferred (Exim's search_find_defer): callers may defer."""


def with_suffix(error: ExpansionError, suffix: str) -> ExpansionError:
    """The same kind of error with *suffix* added to its message."""
    return type(error)(error.text + suffix)


# Messages of Breaks whose text depends on the evaluation state.
def _missing_close(ev: Evaluator, brk: Break) -> ExpansionError:
    if ev.malformed_header:
        return ExpansionError(
            "missing } at end of string - could be header name not terminated by colon")
    return ExpansionError("missing } at end of string")


BREAK_MESSAGES: dict[str, Callable[[Evaluator, Break], ExpansionError]] = {
    "missing_close": _missing_close,
    "static": lambda ev, b: ExpansionError(b.detail),
    "curly": lambda ev, b: CurlyError(b.detail),
    # Text where an item's reader wanted "}" or "fail": the item's own code words the
    # message; met anywhere else it is Exim's generic bracketing error.
    "tail": lambda ev, b: CurlyError(""),
}

END = object()  # the cursor's view of an item's closing brace


class Cursor:
    """Walks an item's (or condition's) tokens the way Exim's reader walks the text."""

    __slots__ = ("closed", "index", "owner", "tokens")

    def __init__(self, tokens: tuple[Token, ...], closed: bool, owner: object):
        self.tokens = tokens
        self.index = 0
        self.closed = closed
        self.owner = owner

    def peek(self) -> object:
        """The next token; END at the item's closing brace."""
        if self.index < len(self.tokens):
            return self.tokens[self.index]
        if self.closed:
            return END
        # Reading stopped inside the last token; it holds the Break.
        found = broken_in(self.owner)
        return found if found is not None else END

    def take(self) -> object:
        tok = self.peek()
        if self.index < len(self.tokens):
            self.index += 1
        return tok

    def rest(self, tok: object) -> str:
        """The source text from *tok* on, for "remaining string is" messages."""
        if isinstance(tok, (Break, Word, Group)):
            return tok.rest
        return ""


class Evaluator:
    """One expansion's walk: the context, plus Exim's per-expansion flags."""

    __slots__ = ("ctx", "malformed_header")
    ctx: ExpansionContext
    malformed_header: bool

    def __init__(self, ctx: ExpansionContext):
        self.ctx = ctx
        self.malformed_header = False

    # -- sequences ----------------------------------------------------------

    def seq(self, seq: Seq, skipping: bool) -> str:
        """The text of *seq*; raises ExpansionError/ForcedFail as Exim fails."""
        out: list[str] = []
        tainted = False
        for part in seq.parts:
            kind = type(part)
            if kind is Literal:
                out.append(part.text)  # type: ignore[union-attr]
                continue
            value = _PART_HANDLERS[kind](self, part, skipping)
            if value:
                if isinstance(value, Tainted):
                    tainted = True
                out.append(value)
        text = "".join(out)
        if "\0" in text:
            # Exim hands results on as C strings: a NUL ends them.
            text = text[:text.index("\0")]
        return Tainted(text) if tainted else text

    def raise_break(self, brk: Break) -> None:
        raise BREAK_MESSAGES[brk.kind](self, brk)

    def _break(self, brk: Break, skipping: bool) -> str:
        self.raise_break(brk)
        return ""

    # -- references ---------------------------------------------------------

    def _variable(self, node: Variable, skipping: bool) -> str:
        value = find_variable(self, node.name, skipping=skipping)
        if value is None:
            if node.braced:
                message = f'unknown variable in "${{{node.name}}}"'
            else:
                message = f'unknown variable name "{node.name}"'
            raise ExpansionError(message + variable_error_suffix(node.name, self.ctx))
        return value

    def _header(self, node: HeaderRef, skipping: bool) -> str:
        flags_raw = node.kind in ("r", "l")
        value = find_header(self.ctx, node.name, raw=flags_raw, as_list=node.kind == "l",
                            charset=None if node.kind == "b" else
                            self.ctx.options.headers_charset)
        if value is None:
            if "}" in node.name:
                self.malformed_header = True
            return ""
        return value

    def _match(self, node: MatchRef, skipping: bool) -> str:
        strings = self.ctx.match_strings
        if 0 <= node.number < len(strings):
            return strings[node.number]
        return ""

    def _operator(self, node: Operator, skipping: bool) -> str:
        return apply_operator(self, node, skipping)

    def _item(self, node: Item, skipping: bool) -> str:
        try:
            return ITEMS[node.name](self, node, skipping)
        except CurlyError as error:
            # Exim's EXPAND_FAILED_CURLY: the message is rewritten at the item.
            if self.malformed_header:
                raise ExpansionError("missing or misplaced { or } - could be header name "
                                     "not terminated by colon") from None
            if not error.message:
                raise ExpansionError("missing or misplaced { or }") from None
            raise ExpansionError(error.message) from None

    # -- conditions -----------------------------------------------------------

    def condition(self, cond: Condition, want: bool) -> bool:
        """Evaluate *cond*; with *want* False only walk it (Exim's yield == NULL)."""
        handler = CONDITIONS.get(cond.name)
        if handler is None:
            # The parser put the "unknown condition" Break in place of the arguments.
            self.raise_break(cond.args[0])  # type: ignore[arg-type]
            raise AssertionError("unreachable")
        result = handler(self, cond, want)
        return result != cond.negate if want else False

    def cond_group(self, tok: CondGroup, want: bool, suffix: str) -> bool:
        """A braced sub-condition, with *suffix* added to any error message from it."""
        try:
            return self.condition(tok.cond, want)
        except ExpansionError as error:
            raise with_suffix(error, suffix) from None

    # -- shared reading helpers ----------------------------------------------

    def take_group(self, cur: Cursor, skipping: bool) -> str:
        """The next token, which the parser guarantees is a Group unless reading failed
        there (then its Break raises)."""
        tok = cur.take()
        if isinstance(tok, Break):
            self.raise_break(tok)
        assert isinstance(tok, Group), tok
        return self.seq(tok.seq, skipping)

    def expect_group(self, cur: Cursor, skipping: bool, message: str) -> str:
        """The next argument, or CurlyError(*message*) when something else is there."""
        tok = cur.peek()
        if not isinstance(tok, Group):
            if isinstance(tok, Break) and tok.kind != "tail":
                self.raise_break(tok)
            raise CurlyError(message)
        cur.take()
        return self.seq(tok.seq, skipping)

    def read_subs(self, cur: Cursor, n: int, m: int, skipping: bool, check_end: bool,
                  name: str) -> list[str | None]:
        """Exim's read_subs: up to *n* braced arguments (at least *m*), then maybe ``}``.

        Raises CurlyError for too few arguments or a missing ``}``, ExpansionError for
        too many (Exim's return codes 1 and 2).
        """
        subs: list[str | None] = []
        for i in range(n):
            tok = cur.peek()
            if not isinstance(tok, Group):
                if isinstance(tok, Break) and tok.kind != "tail":
                    self.raise_break(tok)
                if i < m:
                    raise CurlyError(f"Not enough arguments for '{name}' (min is {m})")
                subs.extend([None] * (n - i))
                break
            cur.take()
            subs.append(self.seq(tok.seq, skipping))
        if check_end:
            tok = cur.peek()
            if tok is END:
                cur.take()
            elif isinstance(tok, Group):
                raise ExpansionError(f"Too many arguments for '{name}' (max is {n})")
            else:
                if isinstance(tok, Break) and tok.kind != "tail":
                    self.raise_break(tok)
                raise CurlyError(f"missing '}}' after '{name}'")
        return subs

    def expect_end(self, cur: Cursor, message: str, curly: bool = True) -> None:
        """Consume the item's closing brace or fail with *message*."""
        tok = cur.peek()
        if tok is END:
            cur.take()
            return
        if isinstance(tok, Break) and tok.kind != "tail":
            self.raise_break(tok)
        raise (CurlyError if curly else ExpansionError)(message)

    def process_yesno(self, cur: Cursor, skipping: bool, yes: bool, save_lookup: str | None,
                      type_name: str) -> str:
        """Exim's process_yesno: the optional {yes}{no} / {yes}fail strings of an item.

        Returns the text to insert. ``$value`` is reset to *save_lookup* as Exim does.
        """
        ctx = self.ctx
        tok = cur.peek()
        if tok is END:
            cur.take()
            if type_name[0] == "i":
                return "true" if yes and not skipping else ""
            out = ctx.lookup_value if (yes and ctx.lookup_value is not None
                                       and not skipping) else ""
            ctx.lookup_value = save_lookup
            return out or ""
        if not isinstance(tok, Group):
            if isinstance(tok, Break) and tok.kind != "tail":
                self.raise_break(tok)
            raise self.yesno_curly("'yes' part did not start with '{'", cur.rest(tok))
        cur.take()
        out = ""
        try:
            sub1 = self.seq(tok.seq, not yes)
            if yes:
                out = sub1
        except ForcedFail:
            if yes:
                raise
        ctx.lookup_value = save_lookup
        tok = cur.peek()
        if isinstance(tok, Group):
            cur.take()
            try:
                sub2 = self.seq(tok.seq, yes or skipping)
                if not yes:
                    out = sub2
            except ForcedFail:
                if not yes:
                    raise
        elif tok is not END:
            if isinstance(tok, Break) and tok.kind != "tail":
                self.raise_break(tok)
            word = tok.text if isinstance(tok, Word) else ""
            if word != "fail":
                raise ExpansionError(f'syntax error in "{type_name}" item - "fail" expected')
            cur.take()
            if not yes and not skipping:
                after = cur.peek()
                if after is not END:
                    raise self.yesno_curly("did not close with '}' after forcedfail",
                                           cur.rest(after))
                raise ForcedFail(f'"{type_name}" failed and "fail" requested')
        tok = cur.peek()
        if tok is not END:
            if isinstance(tok, Break) and tok.kind != "tail":
                self.raise_break(tok)
            raise self.yesno_curly("did not close with '}'", cur.rest(tok))
        cur.take()
        return out

    @staticmethod
    def yesno_curly(where: str, rest: str) -> CurlyError:
        return CurlyError("curly-bracket problem in conditional yes/no parsing: "
                          f"{where}\n remaining string is '{rest}'")


_PART_HANDLERS: dict[type, Callable[[Evaluator, object, bool], str]] = {
    Variable: Evaluator._variable,  # type: ignore[dict-item]
    HeaderRef: Evaluator._header,  # type: ignore[dict-item]
    MatchRef: Evaluator._match,  # type: ignore[dict-item]
    Operator: Evaluator._operator,  # type: ignore[dict-item]
    Item: Evaluator._item,  # type: ignore[dict-item]
    Break: Evaluator._break,  # type: ignore[dict-item]
}


# ---------------------------------------------------------------------------
# Numbers in conditions and operators

ARITH_MAX = (1 << 63) - 1
ARITH_MIN = -(1 << 63)


def string_integer(text: str, isplus: bool = False) -> int:
    """Exim's expanded_string_integer: a number with optional K/M/G suffix.

    Raises ExpansionError with Exim's wording for bad or overflowing values; a
    string of white space only is 0 (kept for compatibility, as Exim does).
    """
    s = text
    if s and s[0] in SPACE:
        s = s.lstrip(" \t\n\v\f\r")
        if not s:
            return 0
    value, end, overflow = strtol(s, 10)
    if end == 0:
        raise ExpansionError(f'integer expected but "{s}" found')
    if value < 0 and isplus:
        raise ExpansionError(f'non-negative integer expected but "{s}" found')
    suffix = lower(s[end:end + 1])
    if suffix in ("k", "m", "g") and suffix:
        factor = {"k": 1024, "m": 1024 * 1024, "g": 1024 * 1024 * 1024}[suffix]
        if value > ARITH_MAX // factor or value < -(-ARITH_MIN // factor):
            overflow = True
        else:
            value *= factor
        end += 1
    if overflow:
        raise ExpansionError(f'absolute value of integer "{s}" is too large (overflow)')
    rest = s[end:].lstrip(" \t\n\v\f\r")
    if rest:
        raise ExpansionError(f'invalid integer "{s}"')
    return value


__all__ = [
    "END",
    "CurlyError",
    "Cursor",
    "Evaluator",
    "ExpansionError",
    "ForcedFail",
    "LookupDeferred",
    "string_integer",
    "with_suffix",
]

# The registries import the names above, so they come last (the package imports this
# module first).
from pyexim.expand.conditions import CONDITIONS
from pyexim.expand.items import ITEMS
from pyexim.expand.operators import apply_operator
from pyexim.expand.variables import find_header, find_variable, variable_error_suffix
