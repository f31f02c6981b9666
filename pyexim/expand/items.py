"""Expansion items: ``${name{arg}...}`` (Exim: expand.c EITEM_*; spec: "Expansion items").

``ITEMS`` maps each item name to ``(evaluator, item, skipping) -> str``. Each handler
walks the item's tokens in the order Exim's reader does (see evaluator.Cursor), so
errors come out in Exim's order and with its wording. While skipping, arguments
are still read (syntax errors count) but nothing is looked up, run or read.
"""

from __future__ import annotations

# Modules that cost milliseconds to import (hashlib, hmac, subprocess) are imported in
# the functions that use them: most runs never need them.
from collections.abc import Callable

from pyexim.expand.context import (
    FORBID_LOOKUP,
)
from pyexim.expand.evaluator import (
    END,
    CurlyError,
    Cursor,
    ExpansionError,
    LookupDeferred,
    with_suffix,
)
from pyexim.expand.listitems import (
    dewrap,
    item_listextract,
    item_listop,
    item_listquote,
    item_sort,
    json_items,
)
from pyexim.expand.nodes import Break, Group, Item, Word
from pyexim.expand.operators import compute_hash, compute_nhash, extract_substr
from pyexim.expand.pcre import compile_or_fail
from pyexim.strings import SPACE, dequote, lower, printing, span, strtol
from pyexim.taint import Tainted, mark

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.expand.evaluator import Evaluator
    from pyexim.lookups.context import LookupContext

ItemFunc = Callable[["Evaluator", Item, bool], str]


def cursor_of(item: Item) -> Cursor:
    """A cursor over *item*'s tokens."""
    return Cursor(item.args, item.closed, item)


def log_panic(ev: Evaluator, message: str) -> None:
    """Write *message* where Exim writes its panic log (when the context has one)."""
    if ev.ctx.panic_log is not None:
        ev.ctx.panic_log(message)


# ---------------------------------------------------------------------------
# if, lookup, env

def item_if(ev: Evaluator, item: Item, skipping: bool) -> str:
    ctx = ev.ctx
    save_numbers = list(ctx.match_strings)
    save_value = ctx.lookup_value
    assert item.cond is not None
    cond = ev.condition(item.cond, not skipping)
    out = ev.process_yesno(cursor_of(item), skipping, cond, ctx.lookup_value, "if")
    ctx.lookup_value = save_value
    ctx.match_strings = save_numbers
    return out


def item_lookup(ev: Evaluator, item: Item, skipping: bool) -> str:
    from pyexim.lookups.base import LookupSyntaxError
    from pyexim.lookups.spec import parse_lookup_type
    ctx = ev.ctx
    save_value = ctx.lookup_value
    save_numbers = list(ctx.match_strings)
    if FORBID_LOOKUP in ctx.forbid:
        raise ExpansionError("lookup expansions are not permitted")
    cur = cursor_of(item)
    key: str | None = None
    tok = cur.peek()
    if isinstance(tok, Group):
        cur.take()
        key = ev.seq(tok.seq, skipping)
        tok = cur.peek()
    if isinstance(tok, Break):
        ev.raise_break(tok)
    assert isinstance(tok, Word)
    cur.take()
    type_text = tok.text
    try:
        spec = parse_lookup_type(type_text)
    except LookupSyntaxError as error:
        raise ExpansionError(error.message) from None
    if spec.single_key and key is None:
        raise ExpansionError(f'missing {{key}} for single-key "{type_text}" lookup')
    if not spec.single_key and key is not None:
        raise ExpansionError(f'a single key was given for lookup type "{type_text}", which '
                             "is not a single-key lookup type")
    source = ev.take_group(cur, skipping)
    if skipping:
        ctx.lookup_value = None
    else:
        ctx.lookup_value = run_lookup(ev, spec, key, source)
    out = ev.process_yesno(cur, skipping, ctx.lookup_value is not None, save_value, "lookup")
    ctx.match_strings = save_numbers
    return out


def run_lookup(ev: Evaluator, spec: object, key: str | None, source: str) -> str | None:
    """Do a lookup for ${lookup}; sets $1/$2 from a partial or default match."""
    from pyexim.lookups.base import LookupDefer, LookupFailed, TaintedLookupFile
    from pyexim.lookups.search import search
    ctx = ev.ctx
    lookups = lookup_context(ev)
    try:
        result = search(spec, key, source, lookups,  # type: ignore[arg-type]
                        expand=lambda text: expand_nested(ev, text))
    except LookupFailed as error:
        # A tainted file name has been logged by the lookup, and Exim leaves the
        # expansion's message unset then.
        raise ExpansionError(None if isinstance(error, TaintedLookupFile) else error.message) \
            from None
    except LookupDefer as error:
        shown = printing(key if key is not None else source.lstrip(" \t\n\v\f\r"),
                         tabs=True)
        raise LookupDeferred(f'lookup of "{shown}" gave DEFER: {error.message}') from None
    if result.data is not None and result.wild:
        current = ctx.match_strings[0] if ctx.match_strings else ""
        ctx.match_strings = [current, *result.wild]
    return result.data


def lookup_context(ev: Evaluator) -> LookupContext:
    """The context's LookupContext, made on first use."""
    ctx = ev.ctx
    if ctx.lookup_context is None:
        from pyexim.lookups.context import LookupContext
        panic_log = ctx.panic_log

        def log(message: str, panic: bool) -> None:
            # What Exim writes to the panic log goes where this context sends its own.
            if panic and panic_log is not None:
                panic_log(message)

        ctx.lookup_context = LookupContext(clock=ctx.clock, options=dict(ctx.values), log=log)
    context: LookupContext = ctx.lookup_context
    return context


def expand_nested(ev: Evaluator, text: str) -> str:
    """Expand *text* as a separate top-level expansion (Exim's expand_string from inside)."""
    from pyexim.expand import expand_with
    return expand_with(ev, text)


def item_env(ev: Evaluator, item: Item, skipping: bool) -> str:
    ctx = ev.ctx
    save_value = ctx.lookup_value
    cur = cursor_of(item)
    tok = cur.peek()
    if not isinstance(tok, Group):
        if isinstance(tok, Break) and tok.kind != "tail":
            ev.raise_break(tok)
        raise ExpansionError("")
    cur.take()
    key = ev.seq(tok.seq, skipping)
    ctx.lookup_value = ctx.environ.get(key)
    return ev.process_yesno(cur, skipping, ctx.lookup_value is not None, save_value, "env")


# ---------------------------------------------------------------------------
# extract

def getkeyed(key: str, text: str) -> str | None:
    """Exim's expand_getkeyed: the value of ``key=value`` (value may be quoted)."""
    n = len(text)
    pos = span(text, SPACE)
    lkey = lower(key)
    while pos < n:
        start = pos
        while pos < n and text[pos] != "=" and text[pos] not in SPACE:
            pos += 1
        dkey = text[start:pos]
        pos = span(text, SPACE, pos)
        if pos < n and text[pos] == "=":
            pos += 1
            pos = span(text, SPACE, pos)
        data, pos = dequote(text, pos)
        if len(dkey) == len(key) and lower(dkey) == lkey:
            return mark(data, isinstance(text, Tainted))
        pos = span(text, SPACE, pos)
    return None


def gettokened(field: int, separators: str, text: str) -> str | None:
    """Exim's expand_gettokened: field *field* (1-based, negative from the right, 0 for
    all) of *text* split at any of *separators*."""
    if field == 0:
        return text
    import re
    fields = re.split("[" + re.escape(separators) + "]", text) if separators else [text]
    if field > len(fields) or -field > len(fields):
        return None
    value = fields[field - 1] if field > 0 else fields[field]
    return mark(value, isinstance(text, Tainted))


def item_extract(ev: Evaluator, item: Item, skipping: bool) -> str:
    ctx = ev.ctx
    save_value = ctx.lookup_value
    save_numbers = list(ctx.match_strings)
    cur = cursor_of(item)
    fmt = "basic"
    json_gap = False
    tok = cur.peek()
    if isinstance(tok, Word) and tok.text.rstrip().startswith("json"):
        fmt = tok.text.rstrip()
        json_gap = tok.text.endswith(" ")
        cur.take()
    if skipping:
        taken = 0
        while taken < 5 and isinstance(cur.peek(), Group) and not (json_gap and taken == 0):
            ev.take_group(cur, True)
            taken += 1
        tok = cur.peek()
        if isinstance(tok, Word) and tok.text == "fail":
            cur.take()
            tok = cur.peek()
        if tok is not END:
            if isinstance(tok, Break) and tok.kind != "tail":
                ev.raise_break(tok)
            raise CurlyError("missing '}' closing extract")
        ctx.lookup_value = None
    else:
        subs: list[str] = []
        field = 1
        numeric = False
        wanted = 2
        i = 0
        while i < wanted:
            value = ev.expect_group(cur, skipping, f"missing '{{' for arg {i + 1} of extract")
            if i == 0:
                value = value.strip(" \t\n\v\f\r")
                if not value:
                    raise ExpansionError('first argument of "extract" must not be empty')
                text = value[1:] if value[0] == "-" else value
                if all(c in "0123456789" for c in text):
                    number = int(text) if text else 0
                    field = -number if value[0] == "-" else number
                    numeric = True
                    if fmt == "basic":
                        wanted = 3
            subs.append(value)
            i += 1
        ctx.lookup_value = _extract_value(fmt, numeric, field, subs)
    out = ev.process_yesno(cur, skipping, ctx.lookup_value is not None, save_value,
                           "extract")
    ctx.match_strings = save_numbers
    return out


def _extract_value(fmt: str, numeric: bool, field: int, subs: list[str]) -> str | None:
    if fmt == "basic":
        return gettokened(field, subs[1], subs[2]) if numeric else getkeyed(subs[0], subs[1])
    try:
        inner = dewrap(subs[1], "[]" if numeric else "{}")
    except ExpansionError as error:
        raise CurlyError(f"{error.message} wrapping {'array' if numeric else 'object'} for "
                         "extract json") from None
    value: str | None = None
    if numeric:
        if field <= 0:
            raise ExpansionError('first argument of "extract" must be greater than zero')
        for element in json_items(inner):
            field -= 1
            if field == 0:
                value = element.rstrip(" \t\n\v\f\r")
                break
    else:
        for element in json_items(inner):
            try:
                name = dewrap(element, '""')
            except ExpansionError as error:
                raise CurlyError(f"{error.message} wrapping string key for extract json") \
                    from None
            if name == subs[0]:
                rest = element[element.index('"') + len(name) + 2:]
                rest = rest.lstrip(" \t\n\v\f\r")
                if not rest.startswith(":"):
                    raise CurlyError("missing object value-separator for extract json")
                value = rest[1:].lstrip(" \t\n\v\f\r")
                break
    if fmt == "jsons" and value is not None:
        try:
            value = dewrap(value, '""')
        except ExpansionError as error:
            raise CurlyError(f"{error.message} wrapping string result for extract jsons") \
                from None
    return value


# ---------------------------------------------------------------------------
# files, sockets, commands


# ---------------------------------------------------------------------------
# ACLs


# ---------------------------------------------------------------------------
# string work

def item_substring(ev: Evaluator, item: Item, skipping: bool) -> str:
    """${hash{}{}{}}, ${length{}{}}, ${nhash{}{}{}}, ${substr{}{}{}}."""
    name = item.name
    subs = ev.read_subs(cursor_of(item), 2 if name == "length" else 3, 2, skipping, True, name)
    if len(subs) < 3:
        subs.append(None)
    if subs[2] is None:
        subs[2], subs[1] = subs[1], None
        if name == "length":
            subs[1], subs[0] = subs[0], None
    values = [0, -1]
    for i in (0, 1):
        text = subs[i]
        if text is None:
            continue
        value, end, _ = strtol(text, 10)
        value = _c_int(value)  # Exim casts strtol's long to int
        if (end == 0 and text != "") or (end != 0 and end != len(text)) or (
                i != 0 and value < 0):
            raise ExpansionError(f'"{text}" is not a{" positive" if i else ""} number '
                                 f'(in "{name}" expansion)')
        values[i] = value
    subject = subs[2] or ""
    if name == "hash":
        result = compute_hash(subject, values[0], values[1])
    elif name == "nhash":
        result = compute_nhash(subject, values[0], values[1])
    else:
        result = extract_substr(subject, values[0], values[1])
    return "" if skipping else mark(result, isinstance(subject, Tainted) and name != "nhash")


def _c_int(value: int) -> int:
    from pyexim.strings import c_int32
    return c_int32(value)


def item_hmac(ev: Evaluator, item: Item, skipping: bool) -> str:
    import hashlib
    import hmac as hmac_module
    algorithm, key, text = ev.read_subs(cursor_of(item), 3, 3, skipping, True, item.name)
    if skipping:
        return ""
    assert algorithm is not None and key is not None and text is not None
    digest = {"md5": hashlib.md5, "sha1": hashlib.sha1}.get(algorithm)
    if digest is None:
        raise ExpansionError(f'hmac algorithm "{algorithm}" is not recognised')
    return hmac_module.new(key.encode("latin-1"), text.encode("latin-1"), digest).hexdigest()


def item_tr(ev: Evaluator, item: Item, skipping: bool) -> str:
    subject, source, target = ev.read_subs(cursor_of(item), 3, 3, skipping, True, item.name)
    assert subject is not None and source is not None and target is not None
    if not target:
        return "" if skipping else subject
    last = len(target) - 1
    out = []
    for c in subject:
        index = source.rfind(c)
        out.append(target[min(index, last)] if index >= 0 else c)
    return "" if skipping else mark("".join(out), isinstance(subject, Tainted))


def item_sg(ev: Evaluator, item: Item, skipping: bool) -> str:
    """${sg{subject}{regex}{replacement}}: the replacement is expanded again for each match,
    with $0, $1... set from it."""
    ctx = ev.ctx
    save_numbers = list(ctx.match_strings)
    subject, pattern, replacement = ev.read_subs(cursor_of(item), 3, 3, skipping, True,
                                                 item.name)
    assert subject is not None and pattern is not None and replacement is not None
    regex = compile_or_fail(pattern)
    out: list[str] = []
    pos = 0
    tainted = isinstance(subject, Tainted)
    try:
        for found in regex.finditer(subject):
            groups = [found.group(0)] + [g if g is not None else "" for g in found.groups()]
            last = len(groups)
            while last > 1 and found.group(last - 1) is None:
                last -= 1
            ctx.match_strings = [mark(g, tainted) for g in groups[:last]]
            out.append(subject[pos:found.start()])
            insert = expand_nested(ev, replacement)
            tainted = tainted or isinstance(insert, Tainted)
            out.append(insert)
            pos = found.end()
        out.append(subject[pos:])
    finally:
        ctx.match_strings = save_numbers
    return "" if skipping else mark("".join(out), tainted)


# ---------------------------------------------------------------------------
# prvs (BATV)


# ---------------------------------------------------------------------------
# the rest


# The items that reach outside import this module's helpers, so they come last.
from pyexim.expand import extitems

ITEMS: dict[str, ItemFunc] = {
    "acl": extitems.item_acl,
    "authresults": extitems.item_authresults,
    "certextract": extitems.item_certextract,
    "dlfunc": extitems.DLFUNC,
    "env": item_env,
    "extract": item_extract,
    "filter": item_listop,
    "hash": item_substring,
    "hmac": item_hmac,
    "if": item_if,
    "imapfolder": extitems.item_imapfolder,
    "length": item_substring,
    "listextract": item_listextract,
    "listquote": item_listquote,
    "lookup": item_lookup,
    "map": item_listop,
    "nhash": item_substring,
    "perl": extitems.PERL,
    "prvs": extitems.item_prvs,
    "prvscheck": extitems.item_prvscheck,
    "readfile": extitems.item_readfile,
    "readsocket": extitems.item_readsocket,
    "reduce": item_listop,
    "run": extitems.item_run,
    "sg": item_sg,
    "sort": item_sort,
    "srs_encode": extitems.item_srs_encode,
    "substr": item_substring,
    "tr": item_tr,
}

__all__ = ["ITEMS", "dewrap", "json_items", "with_suffix"]
