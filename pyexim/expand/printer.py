"""Turn parsed expansion nodes back into expansion text (the inverse of parser.py).

``to_text(parse(s))`` need not equal *s* (white space between arguments, escapes and
redundant ``!`` are not kept) but it always parses back to the same nodes:
``parse(to_text(parse(s))) == parse(s)``. A Break prints as the source text from the
point where Exim's reader failed, so a broken string stays broken the same way.
"""

from __future__ import annotations

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
    Variable,
    Word,
)
from pyexim.strings import ALNUM


def _literal(text: str, after_name: bool) -> str:
    """Literal text, escaped so that the parser reads it back as text."""
    out = []
    for index, ch in enumerate(text):
        if ch in "\\$}":
            out.append("\\" + ch)
        elif index == 0 and after_name and (ch in ALNUM or ch == "_"):
            # Would extend the preceding $name or $1: write it as an octal escape.
            out.append(f"\\{ord(ch):03o}")
        else:
            out.append(ch)
    return "".join(out)


def seq_text(seq: Seq) -> str:
    """The text of a sequence."""
    out: list[str] = []
    after_name = False
    for part in seq.parts:
        if isinstance(part, Literal):
            out.append(_literal(part.text, after_name))
            after_name = False
            continue
        out.append(part_text(part))
        after_name = (isinstance(part, Variable) and not part.braced) or (
            isinstance(part, MatchRef) and not part.braced)
    return "".join(out)


def part_text(part: object) -> str:
    """The text of one part of a sequence."""
    if isinstance(part, Variable):
        return f"${{{part.name}}}" if part.braced else f"${part.name}"
    if isinstance(part, HeaderRef):
        return f"${part.kind}{part.spelled}_{part.name}"
    if isinstance(part, MatchRef):
        digits = part.digits or str(part.number)
        return f"${{{digits}}}" if part.braced else f"${digits}"
    if isinstance(part, Break):
        return part.rest
    if isinstance(part, Operator):
        if part.cert_var is not None:
            return f"${{{part.name}:${part.cert_var}}}"
        closing = "" if part.arg.broken else "}"
        return f"${{{part.name}:{seq_text(part.arg)}{closing}"
    if isinstance(part, Item):
        return item_text(part)
    raise TypeError(f"not a sequence part: {part!r}")


def item_text(item: Item) -> str:
    out = ["${", item.name]
    if item.cond is not None:
        out.append(" ")
        out.append(condition_text(item.cond))
    elif item.args and _starts_with_name_char(item.args[0]):
        out.append(" ")
    out.append(tokens_text(item.args, item.name))
    if item.closed:
        out.append("}")
    return "".join(out)


def tokens_text(tokens: tuple[object, ...], item_name: str = "") -> str:
    out: list[str] = []
    previous: object = None
    for tok in tokens:
        if isinstance(previous, Word) and isinstance(tok, Break) and item_name != "extract":
            # A lookup type runs to white space: keep the Break's text apart from it.
            out.append(" ")
        previous = tok
        if isinstance(tok, Group):
            closing = "" if tok.seq.broken else "}"
            out.append("{" + _group_prefix(tok) + seq_text(tok.seq) + closing)
        elif isinstance(tok, CondGroup):
            out.append("{" + condition_text(tok.cond) + ("}" if tok.closed else ""))
        elif isinstance(tok, Word):
            out.append(tok.text)
        elif isinstance(tok, Break):
            out.append(tok.rest)
        else:
            out.append(part_text(tok))
    return "".join(out)


def _starts_with_name_char(tok: object) -> bool:
    """True when *tok* printed right after a name would run into it."""
    text = tok.text if isinstance(tok, Word) else tok.rest if isinstance(tok, Break) else ""
    return bool(text) and (text[0] in ALNUM or text[0] in "_-")


def _group_prefix(group: Group) -> str:
    """certextract's second argument is written {$name}: the parser consumed the $."""
    return "$" if group.src[group.pos:group.pos + 1] == "$" else ""


def condition_text(cond: Condition) -> str:
    """The text of a condition (with its ``!`` when negated)."""
    out = ["!" if cond.negate else "", cond.name]
    args = cond.args
    if cond.name == "def":
        target = args[0]
        if isinstance(target, (Variable, HeaderRef)):
            out.append(":")
            out.append(target.name if isinstance(target, Variable) else
                       f"{target.kind}{target.spelled}_{target.name}")
            return "".join(out)
        out.append(tokens_text(args))
        return "".join(out)
    if cond.name in ("and", "or", "acl", "saslauthd"):
        broken = bool(args) and _ends_broken(args[-1])
        if not args or not isinstance(args[0], Break):
            out.append("{")
        out.append(tokens_text(args))
        if not broken and not (args and isinstance(args[0], Break)):
            out.append("}")
        return "".join(out)
    if args and _starts_with_name_char(args[0]):
        out.append(" ")
    out.append(tokens_text(args))
    return "".join(out)


def _ends_broken(tok: object) -> bool:
    from pyexim.expand.nodes import broken_in
    if isinstance(tok, Break):
        return True
    if isinstance(tok, CondGroup) and not tok.closed:
        return True
    return broken_in(tok) is not None


def to_text(seq: Seq) -> str:
    """Expansion text that parses to *seq*."""
    return seq_text(seq)
