"""Read an expansion string into nodes (Exim: expand.c, expand_string_internal's reader).

A hand-written scanner, not a Lark grammar: Exim's language is defined by the order
in which its C reader looks at characters, not by a context-free grammar. Braces
in plain text are not balanced (``${if eq{a{b}{x}}`` compares "a{b" with "x"),
``$`` is ordinary text in some arguments, a header name runs to the first colon or
non-printing character, ``${run``'s command is copied verbatim to the first ``}``,
and how many ``{}`` arguments an item takes can depend on values known only at
run time. Errors must also appear at the point where Exim's reader would meet
them (see nodes.py). So this module follows the C reader's steps one for one,
producing tokens instead of results; evaluator.py then walks the tokens with
Exim's logic. Each distinct string is parsed once (``parse`` is cached).
"""

from __future__ import annotations

from functools import lru_cache

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
    Part,
    Seq,
    Token,
    Variable,
    Word,
)
from pyexim.strings import ALNUM, ALPHA, DIGITS, SPACE, c_int32, interpret_escape, span

# Item names in the Debian 4.96 build (I18N adds imapfolder, SRS adds srs_encode).
ITEM_NAMES = frozenset({
    "acl", "authresults", "certextract", "dlfunc", "env", "extract", "filter", "hash",
    "hmac", "if", "imapfolder", "length", "listextract", "listquote", "lookup", "map",
    "nhash", "perl", "prvs", "prvscheck", "readfile", "readsocket", "reduce", "run",
    "sg", "sort", "srs_encode", "substr", "tr"})

# Condition names (Exim's cond_table; inbound_srs comes with SRS support).
COND_NAMES = frozenset({
    "<", "<=", "=", "==", ">", ">=", "acl", "and", "bool", "bool_lax", "crypteq", "def",
    "eq", "eqi", "exists", "first_delivery", "forall", "forall_json", "forall_jsons",
    "forany", "forany_json", "forany_jsons", "ge", "gei", "gt", "gti", "inbound_srs",
    "inlist", "inlisti", "isip", "isip4", "isip6", "ldapauth", "le", "lei", "lt", "lti",
    "match", "match_address", "match_domain", "match_ip", "match_local_part", "or", "pam",
    "pwcheck", "queue_running", "radius", "saslauthd"})

ONE_ARG_CONDS = frozenset({"exists", "isip", "isip4", "isip6", "pam", "radius", "ldapauth",
                           "pwcheck"})
TWO_ARG_CONDS = frozenset({"match_address", "match_domain", "match_ip", "match_local_part",
                           "crypteq", "inlist", "inlisti", "match", "<", "<=", "=", "==",
                           ">", ">=", "lt", "lti", "le", "lei", "eq", "eqi", "gt", "gti",
                           "ge", "gei"})
# Their second argument is not expanded: too many configurations put untrusted data there.
NODOLLAR_SECOND = frozenset({"match_address", "match_domain", "match_ip", "match_local_part"})
ITERATING_CONDS = frozenset({"forall", "forany", "forall_json", "forany_json",
                             "forall_jsons", "forany_jsons"})
NO_ARG_CONDS = frozenset({"first_delivery", "queue_running"})

# Operators that may take a certificate variable as their argument.
CERT_OPERATORS = frozenset({"md5", "sha1", "sha256", "base64"})
CERT_VARIABLES = frozenset({"tls_in_ourcert", "tls_in_peercert", "tls_out_ourcert",
                            "tls_out_peercert"})

NAME_MAX = 255  # Exim reads names into 256-byte buffers and silently truncates


def is_header_name(name: str) -> bool:
    """True for h_ header_ rh_ rheader_ bh_ bheader_ lh_ lheader_ prefixes, as Exim tests."""
    t = 0
    if name[:1] == "h":
        pass
    elif name[:1] in ("r", "l", "b") and name[1:2] == "h":
        t = 1
    else:
        return False
    return name[t + 1:t + 2] == "_" or name[t + 1:t + 7] == "eader_"


class _Parser:
    """One pass over one string; ``stopped`` is set at the first Break."""

    __slots__ = ("n", "src", "stopped")

    def __init__(self, src: str):
        self.src = src
        self.n = len(src)
        self.stopped = False

    # -- small readers ------------------------------------------------------

    def brk(self, kind: str, pos: int, detail: str = "") -> Break:
        self.stopped = True
        return Break(kind, detail, self.src, pos)

    def skip_ws(self, pos: int) -> int:
        src, n = self.src, self.n
        pos = span(src, SPACE, pos, n)
        return pos

    def char(self, pos: int) -> str:
        return self.src[pos] if pos < self.n else ""

    def read_name(self, pos: int, extras: str) -> tuple[str, int]:
        src, n = self.src, self.n
        start = pos
        while pos < n and (src[pos] in ALNUM or src[pos] in extras):
            pos += 1
        return src[start:pos][:NAME_MAX], pos

    def read_cnumber(self, pos: int) -> tuple[int, int]:
        value = 0
        src, n = self.src, self.n
        while pos < n and src[pos] in DIGITS:
            value = c_int32(value * 10 + ord(src[pos]) - 48)  # C int arithmetic wraps
            pos += 1
        return value, pos

    def header_ref(self, name: str, pos: int) -> tuple[HeaderRef, int]:
        """Exim's read_header_name: the rest of a header name, up to and including ':'."""
        prelen = name.index("_") + 1
        prefix = name[:prelen - 1]
        kind = prefix[0] if prefix[0] in "rlb" and prefix[1:2] == "h" else ""
        spelled = prefix[len(kind):]
        chars = [name[prelen:]]
        length = len(chars[0])
        src, n = self.src, self.n
        start = pos
        while pos < n and ord(src[pos]) > 32 and src[pos] not in "\x7f:":
            pos += 1
        chars.append(src[start:pos][:max(0, NAME_MAX - length)])
        if pos < n and src[pos] == ":":
            pos += 1
        return HeaderRef(kind, spelled, "".join(chars)[:NAME_MAX] + ":"), pos

    # -- sequences ----------------------------------------------------------

    def seq(self, pos: int, ket_ends: bool, dollar: bool = True) -> tuple[Seq, int]:
        """Read text and references up to an unescaped ``}`` (when *ket_ends*) or the end.

        On return *pos* is at the closing ``}`` (not consumed), or at the end of the
        string; the Seq ends with a Break when reading failed.
        """
        src, n = self.src, self.n
        parts: list[Part] = []
        text: list[str] = []

        def flush() -> None:
            if text:
                joined = "".join(text)
                if joined:
                    parts.append(Literal(joined))
                text.clear()

        while pos < n:
            c = src[pos]
            if c == "\\":
                if pos + 1 >= n:
                    flush()
                    parts.append(self.brk("static", pos, "\\ at end of string"))
                    return Seq(tuple(parts), dollar), n
                if src[pos + 1] == "N":
                    end = src.find("\\N", pos + 2)
                    if end < 0:
                        text.append(src[pos + 2:])
                        pos = n
                    else:
                        text.append(src[pos + 2:end])
                        pos = end + 2
                    continue
                ch, last = interpret_escape(src, pos)
                text.append(ch)
                pos = last + 1
                continue
            if ket_ends and c == "}":
                break
            if c != "$" or not dollar:
                end = pos + 1
                while end < n and src[end] not in "$}\\":
                    end += 1
                text.append(src[pos:end])
                pos = end
                continue
            flush()
            part, pos = self.dollar(pos + 1)
            parts.append(part)
            if self.stopped:
                return Seq(tuple(parts), dollar), pos
        flush()
        if ket_ends and pos >= n:
            parts.append(self.brk("missing_close", pos))
        return Seq(tuple(parts), dollar), pos

    def dollar(self, pos: int) -> tuple[Part, int]:
        """What follows a ``$``: variable, header, match number, ``${...}``.

        Breaks made here start at the ``$``, so that printing them reproduces them.
        """
        start = pos - 1
        c = self.char(pos)
        if c in ALPHA and c:
            name, pos = self.read_name(pos, "_")
            if is_header_name(name):
                return self.header_ref(name, pos)
            return Variable(name), pos
        if c in DIGITS and c:
            begin = pos
            number, pos = self.read_cnumber(pos)
            return MatchRef(number, False, self.src[begin:pos]), pos
        if c != "{":
            return self.brk("static", start, "$ not followed by letter, digit, or {"), pos
        pos += 1
        c = self.char(pos)
        if c in DIGITS and c:
            begin = pos
            number, pos = self.read_cnumber(pos)
            if self.char(pos) != "}":
                return self.brk("static", start, "} expected after number"), pos + 1
            return MatchRef(number, True, self.src[begin:pos]), pos + 1
        if not c or c not in ALPHA:
            return self.brk("static", start, "letter or digit expected after ${"), pos
        name, pos = self.read_name(pos, "_-")
        if name in ITEM_NAMES:
            return _ITEM_PARSERS.get(name, _Parser.item_generic)(self, name, pos)
        c = self.char(pos)
        if c == ":":
            return self.operator(name, pos, start)
        if c == "}":
            return Variable(name, braced=True), pos + 1
        return self.brk("static", start, f'"${{{name}" is not a known operator '
                                    "(or a } is missing in a variable reference)"), pos

    def operator(self, name: str, pos: int, start: int) -> tuple[Part, int]:
        """``${name:arg}``; *pos* is at the colon, *start* at the ``$``."""
        base = name.partition("_")[0] if name not in CERT_OPERATORS else name
        if base in CERT_OPERATORS and self.char(pos + 1) == "$":
            # Exim first reads the text after "$" unexpanded, to see if it names a
            # certificate variable.
            raw, end = self.seq(pos + 2, True, dollar=False)
            broken = raw.broken
            if broken is not None:
                return Break(broken.kind, broken.detail, self.src, start), end
            text = "".join(p.text for p in raw.parts if isinstance(p, Literal))
            if text in CERT_VARIABLES:
                return Operator(name, Seq(()), cert_var=text), end + 1
        arg, end = self.seq(pos + 1, True)
        if arg.broken:
            return Operator(name, arg), end
        return Operator(name, arg), end + 1

    # -- item arguments -----------------------------------------------------

    def group(self, pos: int, dollar: bool = True) -> tuple[Group, int]:
        """``{...}`` at *pos*: the group, and the position after its ``}``."""
        seq, end = self.seq(pos + 1, True, dollar)
        if seq.broken:
            return Group(seq, self.src, pos, end), end
        return Group(seq, self.src, pos, end), end + 1

    def groups(self, pos: int, tokens: list[Token], limit: int = 0) -> int:
        """Read consecutive ``{...}`` groups (white space allowed around them).

        With *limit*, stop after that many, as Exim's read_subs does.
        """
        count = 0
        while not self.stopped and (not limit or count < limit):
            count += 1
            pos = self.skip_ws(pos)
            if self.char(pos) != "{":
                break
            grp, pos = self.group(pos)
            tokens.append(grp)
        return pos

    def tail(self, pos: int, tokens: list[Token], skip_ws: bool = True) -> tuple[bool, int]:
        """After the groups: ``}``, or a word (``fail``) then ``}``; else a Break."""
        if self.stopped:
            return False, pos
        if skip_ws:
            pos = self.skip_ws(pos)
        c = self.char(pos)
        if c == "}":
            return True, pos + 1
        if c and c in ALPHA:
            start = pos
            word, pos = self.read_name(pos, "_")
            tokens.append(Word(word, self.src, start))
            pos = self.skip_ws(pos)
            if self.char(pos) == "}":
                return True, pos + 1
        tokens.append(self.brk("tail", pos))
        return False, pos

    def argument(self, tokens: list[Token], pos: int, message: str, *,
                 dollar: bool = True) -> tuple[bool, int]:
        """One required ``{...}`` argument after optional white space, appended to *tokens*.

        False when the item must stop there: no ``{`` (a Break saying *message* is
        appended) or the group itself stopped the parse.
        """
        pos = self.skip_ws(pos)
        if self.char(pos) != "{":
            tokens.append(self.brk("curly", pos, message))
            return False, pos
        grp, pos = self.group(pos, dollar)
        tokens.append(grp)
        return not self.stopped, pos

    def finish(self, name: str, tokens: list[Token], pos: int, *,
               skip_ws: bool = True, cond: Condition | None = None) -> tuple[Item, int]:
        pos = self.groups(pos, tokens)
        closed, pos = self.tail(pos, tokens, skip_ws)
        return Item(name, tuple(tokens), closed, cond), pos

    def item_generic(self, name: str, pos: int) -> tuple[Item, int]:
        return self.finish(name, [], pos)

    def item_if(self, name: str, pos: int) -> tuple[Item, int]:
        cond, pos = self.condition(self.skip_ws(pos))
        if self.stopped:
            return Item(name, (), False, cond), pos
        return self.finish(name, [], pos, cond=cond)

    def item_lookup(self, name: str, pos: int) -> tuple[Item, int]:
        tokens: list[Token] = []
        pos = self.skip_ws(pos)
        if self.char(pos) == "{":
            grp, pos = self.group(pos)
            tokens.append(grp)
            if self.stopped:
                return Item(name, tuple(tokens), False), pos
            pos = self.skip_ws(pos)
        if not self.char(pos) or self.char(pos) not in ALPHA:
            tokens.append(self.brk("static", pos, "missing lookup type"))
            return Item(name, tuple(tokens), False), pos
        start = pos
        src, n = self.src, self.n
        while pos < n and src[pos] != "{" and src[pos] not in SPACE:
            pos += 1
        tokens.append(Word(src[start:pos][:NAME_MAX], src, start))
        pos = self.skip_ws(pos)
        if self.char(pos) != "{":
            tokens.append(self.brk("curly", pos, "missing '{' for lookup file-or-query arg"))
            return Item(name, tuple(tokens), False), pos
        return self.finish(name, tokens, pos)

    def item_extract(self, name: str, pos: int) -> tuple[Item, int]:
        tokens: list[Token] = []
        pos = self.skip_ws(pos)
        if self.src.startswith("json", pos):
            start = pos
            pos += 5 if self.char(pos + 4) == "s" else 4
            # Keep white space after the word: a skipped ${extract} does not allow it.
            end = self.skip_ws(pos)
            tokens.append(Word(self.src[start:pos] + (" " if end > pos else ""), self.src, start))
            pos = end
        return self.finish(name, tokens, pos)

    def item_run(self, name: str, pos: int) -> tuple[Item, int]:
        tokens: list[Token] = []
        src = self.src
        while self.char(pos) == ",":
            if src.startswith("preexpand", pos + 1):
                tokens.append(Word(",preexpand", src, pos))
                pos += 10
            else:
                end = pos + 2
                while end < self.n and src[end] in ALPHA:
                    end += 1
                tokens.append(self.brk("static", pos, f"bad option '{src[pos + 1:end]}' for run"))
                return Item(name, tuple(tokens), False), pos
        # The command is a group either way: without ",preexpand" Exim reads it through
        # once, unexpanded, to find its end, and keeps the text as written (Debian's
        # 4.96 has upstream's fix for braces inside the command).
        ok, pos = self.argument(tokens, pos, "missing '{' for command arg of run")
        if not ok:
            return Item(name, tuple(tokens), False), pos
        return self.finish(name, tokens, pos)

    def item_listop(self, name: str, pos: int) -> tuple[Item, int]:
        """filter / map / reduce: {list} [{initial}] {condition or expression}."""
        tokens: list[Token] = []
        count = 2 if name == "reduce" else 1
        for index in range(count):
            ok, pos = self.argument(tokens, pos, f"missing '{{' for first arg of {name}"
                                    if index == 0 else "missing '{' for second arg of reduce")
            if not ok:
                return Item(name, tuple(tokens), False), pos
        last = f"missing '{{' for last arg of {name}"
        pos = self.skip_ws(pos)
        if self.char(pos) != "{":
            tokens.append(self.brk("curly", pos, last))
            return Item(name, tuple(tokens), False), pos
        if name == "filter":
            cond, pos = self.condition(pos + 1)
            if self.stopped:
                tokens.append(CondGroup(cond, False))
                return Item(name, tuple(tokens), False), pos
            pos = self.skip_ws(pos)
            if self.char(pos) != "}":
                tokens.append(CondGroup(cond, False))
                tokens.append(self.brk("static", pos, "missing } at end of condition or expression "
                                    f'inside "{name}"; could be an unquoted }} in the content'))
                return Item(name, tuple(tokens), False), pos
            tokens.append(CondGroup(cond))
            pos += 1
        else:
            ok, pos = self.argument(tokens, pos, last)
            if not ok:
                return Item(name, tuple(tokens), False), pos
        pos = self.skip_ws(pos)
        if self.char(pos) != "}":
            tokens.append(self.brk("static", pos, f'missing }} at end of "{name}"'))
            return Item(name, tuple(tokens), False), pos
        return Item(name, tuple(tokens), True), pos + 1

    def item_sort(self, name: str, pos: int) -> tuple[Item, int]:
        tokens: list[Token] = []
        for index, what in enumerate(("list", "comparator", "extractor")):
            ok, pos = self.argument(tokens, pos, f"missing '{{' for {what} arg of sort",
                                    dollar=index != 1)
            if not ok:
                return Item(name, tuple(tokens), False), pos
        if self.char(pos) != "}":
            tokens.append(self.brk("static", pos, 'missing } at end of "sort"'))
            return Item(name, tuple(tokens), False), pos
        return Item(name, tuple(tokens), True), pos + 1

    def item_certextract(self, name: str, pos: int) -> tuple[Item, int]:
        tokens: list[Token] = []
        ok, pos = self.argument(tokens, pos, "missing '{' for field arg of certextract")
        if not ok:
            return Item(name, tuple(tokens), False), pos
        pos = self.skip_ws(pos)
        if self.char(pos) != "{":
            tokens.append(self.brk("curly", pos, "missing '{' for cert variable arg of certextract"))
            return Item(name, tuple(tokens), False), pos
        if self.char(pos + 1) != "$":
            tokens.append(self.brk("static", pos, 'second argument of "certextract" must be a '
                                    "certificate variable"))
            return Item(name, tuple(tokens), False), pos
        grp, pos = self.group(pos + 1, dollar=False)
        tokens.append(grp)
        if self.stopped:
            return Item(name, tuple(tokens), False), pos
        return self.finish(name, tokens, pos)

    # -- conditions ---------------------------------------------------------

    def condition(self, pos: int) -> tuple[Condition, int]:
        """One condition at *pos* (after optional white space and ``!``)."""
        negate = False
        while True:
            pos = self.skip_ws(pos)
            if self.char(pos) == "!":
                negate = not negate
                pos += 1
            else:
                break
        c = self.char(pos)
        if c and c in "=<>":
            name = c
            pos += 1
            if self.char(pos) == "=":
                name += "="
                pos += 1
        else:
            name, pos = self.read_name(pos, "_")
        if not name:
            return Condition("", negate, (self.brk("static", pos, "condition name expected, but found "
                                            f'"{self.src[pos:pos + 16]}"'),)), pos
        if name not in COND_NAMES:
            return Condition(name, negate, (self.brk("static", pos, f'unknown condition "{name}"'),)), pos
        tokens: list[Token] = []
        if name == "def":
            pos = self.cond_def(pos, tokens)
        elif name in NO_ARG_CONDS:
            pass
        elif name in ONE_ARG_CONDS:
            pos = self.cond_groups(name, pos, tokens, 1)
        elif name in TWO_ARG_CONDS:
            pos = self.cond_groups(name, pos, tokens, 2)
        elif name in ("acl", "saslauthd"):
            pos = self.skip_ws(pos)
            if self.char(pos) != "{":
                tokens.append(self.brk("static", pos, f'missing {{ after "{name}"'))
            else:
                pos = self.groups(pos + 1, tokens, 10 if name == "acl" else 4)
                if not self.stopped:
                    if self.char(pos) == "}":
                        pos += 1
                    else:
                        if self.char(pos) == "{":
                            message = (f"Too many arguments for '{name}' "
                                       f"(max is {10 if name == 'acl' else 4})")
                        else:
                            message = f"too few arguments or bracketing error for {name}"
                        tokens.append(self.brk("static", pos, message))
        elif name in ("bool", "bool_lax"):
            pos = self.skip_ws(pos)
            if self.char(pos) != "{":
                tokens.append(self.brk("static", pos, f'missing {{ after "{name}"'))
            else:
                pos = self.groups(pos, tokens, 1)
        elif name == "inbound_srs":
            pos = self.groups(pos, tokens, 2)
        elif name in ("and", "or"):
            pos = self.cond_combined(name, pos, tokens)
        else:
            pos = self.cond_iterate(name, pos, tokens)
        return Condition(name, negate, tuple(tokens)), pos

    def cond_def(self, pos: int, tokens: list[Token]) -> int:
        if self.char(pos) != ":":
            tokens.append(self.brk("static", pos, '":" expected after "def"'))
            return pos
        var, pos = self.read_name(pos + 1, "_")
        if var and is_header_name(var):
            ref, pos = self.header_ref(var, pos)
            tokens.append(ref)  # type: ignore[arg-type]
        else:
            tokens.append(Variable(var))  # type: ignore[arg-type]
        return pos

    def cond_groups(self, name: str, pos: int, tokens: list[Token], count: int) -> int:
        for index in range(count):
            pos = self.skip_ws(pos)
            if self.char(pos) != "{":
                message = (f'missing {{ after "{name}"' if index == 0 else
                           f'missing 2nd string in {{}} after "{name}"')
                tokens.append(self.brk("static", pos, message))
                return pos
            grp, pos = self.group(pos, dollar=not (index == 1 and name in NODOLLAR_SECOND))
            tokens.append(grp)
            if self.stopped:
                return pos
        return pos

    def cond_combined(self, name: str, pos: int, tokens: list[Token]) -> int:
        pos = self.skip_ws(pos)
        if self.char(pos) != "{":
            tokens.append(self.brk("static", pos, f'missing {{ after "{name}"'))
            return pos
        pos += 1
        while True:
            pos = self.skip_ws(pos)
            c = self.char(pos)
            if c == "}":
                return pos + 1
            if c != "{":
                tokens.append(self.brk("static", pos, "each subcondition inside an "
                                         f'"{name}{{...}}" condition must be in its own {{}}'))
                return pos
            pos = self.cond_group(pos, tokens, f'inside "{name}" group')
            if self.stopped:
                return pos

    def cond_group(self, pos: int, tokens: list[Token], where: str) -> int:
        """``{condition}`` at *pos* (the brace); "missing } at end of condition WHERE"
        when the condition is not followed by its closing brace."""
        sub, pos = self.condition(pos + 1)
        if self.stopped:
            tokens.append(CondGroup(sub, False))
            return pos
        pos = self.skip_ws(pos)
        if self.char(pos) != "}":
            tokens.append(CondGroup(sub, False))
            tokens.append(self.brk("static", pos, f"missing }} at end of condition {where}"))
            return pos
        tokens.append(CondGroup(sub))
        return pos + 1

    def cond_iterate(self, name: str, pos: int, tokens: list[Token]) -> int:
        pos = self.skip_ws(pos)
        if self.char(pos) != "{":
            tokens.append(self.brk("static", pos, f'missing {{ after "{name}"'))
            return pos
        grp, pos = self.group(pos)
        tokens.append(grp)
        if self.stopped:
            return pos
        pos = self.skip_ws(pos)
        if self.char(pos) != "{":
            tokens.append(self.brk("static", pos, f'missing {{ after "{name}"'))
            return pos
        return self.cond_group(pos, tokens, f'inside "{name}"')


_ITEM_PARSERS = {
    "if": _Parser.item_if,
    "lookup": _Parser.item_lookup,
    "extract": _Parser.item_extract,
    "run": _Parser.item_run,
    "filter": _Parser.item_listop,
    "map": _Parser.item_listop,
    "reduce": _Parser.item_listop,
    "sort": _Parser.item_sort,
    "certextract": _Parser.item_certextract,
}


@lru_cache(maxsize=8192)
def parse(text: str) -> Seq:
    """The nodes of a whole expansion string (cached: each distinct string is read once)."""
    return _Parser(str(text)).seq(0, False)[0]


