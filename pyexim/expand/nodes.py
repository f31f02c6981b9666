"""The parsed form of an expansion string (Exim: expand.c reads and evaluates in one pass).

Exim parses and evaluates ``${...}`` strings in a single left-to-right pass, so a
syntax error is only noticed when reading reaches it: anything evaluated before
that point happens first, and an error inside a branch that is skipped is still
reported. pyexim parses once into these nodes and evaluates them later; to keep
Exim's order of events, a syntax error becomes a ``Break`` node placed exactly
where Exim's reading fails. Parsing stops there (Exim never reads further), so a
``Break`` is always the last thing in its ``Seq`` and in every enclosing node.

Items (``${if``, ``${lookup`` ...) and conditions keep their arguments as a flat
tuple of tokens (``Group``, ``CondGroup``, ``Word``, ``Break``), in
source order; the evaluator walks them the way Exim's reader does. That matters
where Exim's reading depends on values (``${extract`` takes three arguments when
the first is a number, two otherwise) or on whether a branch is being skipped.

Source positions (``src``/``pos``) are kept only where Exim quotes "the remaining
string" in an error message; they take no part in equality.
"""

from __future__ import annotations

from pyexim.record import field, record


class _Located:
    """A node that remembers where it stands in its source: ``rest`` is the text from there."""

    __slots__ = ()
    src: str
    pos: int

    @property
    def rest(self) -> str:
        return self.src[self.pos:]


@record(frozen=True, slots=True)
class Literal:
    """Text copied to the output; escapes (``\\n``, ``\\$``, ``\\N...\\N``) already applied."""

    text: str


@record(frozen=True, slots=True)
class Variable:
    """``$name`` (braced=False) or ``${name}`` (braced=True); the error wording differs."""

    name: str
    braced: bool = False


@record(frozen=True, slots=True)
class HeaderRef:
    """``$h_subject:``, ``$rheader_x:``, ``$bh_``, ``$lh_``: a header of the message.

    ``kind`` is "" (decoded), "r" (raw), "b" (decoded, no charset translation) or
    "l" (raw, as a list); ``spelled`` is "h" or "header" as written; ``name`` is the
    header name with the trailing colon Exim adds.
    """

    kind: str
    spelled: str
    name: str


@record(frozen=True, slots=True)
class MatchRef:
    """``$1`` or ``${1}``: a numbered match variable (regex groups, partial lookups)."""

    number: int
    braced: bool = False
    digits: str = field(default="", compare=False, repr=False)  # as written


@record(frozen=True, slots=True)
class Break(_Located):
    """The point where Exim's reading fails; evaluating it raises the error.

    ``kind`` selects the message (see evaluator.BREAK_MESSAGES); some messages quote
    the remaining source text, which is ``src[pos:]``.
    """

    kind: str
    detail: str = ""
    src: str = field(default="", compare=False, repr=False)
    pos: int = field(default=0, compare=False, repr=False)


@record(frozen=True, slots=True)
class Seq:
    """A run of parts: a whole string, or the inside of one ``{...}`` argument."""

    parts: tuple[Part, ...]
    dollar: bool = True  # False: "$" is plain text here (match_domain's 2nd argument...)

    @property
    def broken(self) -> Break | None:
        """The Break this sequence ends with, if reading failed inside it."""
        if self.parts:
            last = self.parts[-1]
            if isinstance(last, Break):
                return last
            return _broken_in(last)
        return None


@record(frozen=True, slots=True)
class Operator:
    """``${name:argument}``, including ``${name_N_M:...}``; unknown names fail when evaluated.

    ``cert_var`` is set for ``${md5:$tls_in_peercert}``-style uses, where Exim reads
    the variable name unexpanded to reach the certificate itself.
    """

    name: str
    arg: Seq
    cert_var: str | None = None


@record(frozen=True, slots=True)
class Group(_Located):
    """``{...}``: an argument that is expanded (or, in dollar=False sequences, not).

    ``src[pos:]`` is the source from the opening brace, for messages that quote it.
    """

    seq: Seq
    src: str = field(default="", compare=False, repr=False)
    pos: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)

    @property
    def source(self) -> str:
        """The text between the braces, as written."""
        return self.src[self.pos + 1:self.end]


@record(frozen=True, slots=True)
class Word(_Located):
    """A bare word between arguments: a lookup type, ``json``, ``fail``, ``,preexpand``."""

    text: str
    src: str = field(default="", compare=False, repr=False)
    pos: int = field(default=0, compare=False, repr=False)


@record(frozen=True, slots=True)
class Condition:
    """One condition: ``eq {a}{b}``, ``!def:h_x:``, ``and {{...}{...}}``, ``forany{..}{..}``.

    ``args`` holds the tokens after the name: Group, CondGroup (a nested
    condition inside braces), Word (the name after ``def:``), Break.
    """

    name: str
    negate: bool = False
    args: tuple[Token, ...] = ()


@record(frozen=True, slots=True)
class CondGroup:
    """``{condition}``: a nested condition in braces (``and``/``or``, ``forany``, ``filter``).

    ``closed`` is False when the text after the condition was not ``}``; the
    Break for that case follows in the enclosing token tuple.
    """

    cond: Condition
    closed: bool = True


@record(frozen=True, slots=True)
class Item:
    """``${name ...}``: an expansion item with its tokens in source order.

    ``closed`` tells whether reading found the item's final ``}``.
    """

    name: str
    args: tuple[Token, ...]
    closed: bool = True
    cond: Condition | None = None  # the condition of ${if}


Part = Literal | Variable | HeaderRef | MatchRef | Operator | Item | Break
Token = Group | Word | CondGroup | Break


def _broken_in(node: object) -> Break | None:
    """The Break at the end of *node*, if reading failed somewhere inside it."""
    if isinstance(node, Break):
        return node
    if isinstance(node, Seq):
        return node.broken
    if isinstance(node, Operator):
        return node.arg.broken
    if isinstance(node, Group):
        return node.seq.broken
    if isinstance(node, CondGroup):
        return _broken_in(node.cond)
    if isinstance(node, Condition):
        return _broken_in(node.args[-1]) if node.args else None
    if isinstance(node, Item):
        if node.args:
            found = _broken_in(node.args[-1])
            if found:
                return found
        if node.cond is not None and not node.args:
            return _broken_in(node.cond)
        return None
    return None


def broken_in(node: object) -> Break | None:
    """Public form of the Break search: the Break that ends *node*, or None."""
    return _broken_in(node)
