"""The list-walking expansion items: ``${filter}``, ``${map}``, ``${reduce}``, ``${sort}``,
``${listextract}``, ``${listquote}``, and the JSON list helpers that ``${extract json}``
and ``forany_json`` share (Exim: expand.c EITEM_FILTER/MAP/REDUCE/SORT/LISTEXTRACT).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pyexim.expand.evaluator import Cursor, ExpansionError, string_integer, with_suffix
from pyexim.expand.nodes import Break, CondGroup, Group, Item
from pyexim.strings import DIGITS, SPACE, list_items, list_separator_of, span, strcmp, strcmpic
from pyexim.taint import Tainted, mark

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.expand.evaluator import Evaluator


# ---------------------------------------------------------------------------
# JSON helpers (Exim: dewrap, json_nextinlist)

def dewrap(text: str, wrap: str) -> str:
    """The inside of *text* wrapped in wrap[0]..wrap[1] (nesting counted, ``\\`` escapes the
    next character); ExpansionError "missing 'x'" when the wrapping is not there."""
    n = len(text)
    p = span(text, SPACE)
    quotes = wrap[0] == wrap[1]
    if p < n and text[p] == wrap[0]:
        start = p + 1
        p = start
        depth = 0
        while p < n:
            c = text[p]
            if c == "\\":
                p += 1
            elif not quotes and c == wrap[0]:
                depth += 1
            elif c == wrap[1]:
                if depth == 0:
                    return mark(text[start:p], isinstance(text, Tainted))
                depth -= 1
            p += 1
        raise ExpansionError(f"missing '{wrap[1]}'")
    raise ExpansionError(f"missing '{wrap[0]}'")


def json_items(text: str) -> Iterator[str]:
    """The elements of a JSON array's inside (Exim's json_nextinlist: a comma at depth 0
    ends an element; quotes are not considered)."""
    tainted = isinstance(text, Tainted)
    n = len(text)
    pos = 0
    while True:
        pos = span(text, SPACE, pos)
        start = pos
        depth_a = depth_o = 0
        while pos < n and (text[pos] != "," or depth_a != 0 or depth_o != 0):
            c = text[pos]
            if c == "[":
                depth_a += 1
            elif c == "]":
                depth_a -= 1
            elif c == "{":
                depth_o += 1
            elif c == "}":
                depth_o -= 1
            pos += 1
        end = pos
        if pos < n:
            pos += 1
        if end == start:
            return
        yield mark(text[start:end], tainted)


def json_array_items(text: str) -> Iterator[str]:
    """The elements of a bracketed JSON array (``forany_json``)."""
    return json_items(dewrap(text, "[]"))


# ---------------------------------------------------------------------------

def _append_element(out: list[str], element: str, sep: str) -> None:
    """Exim's way of adding to an output list: separators doubled, and a space before
    an element that is empty or starts with the separator (except the first)."""
    if out and (element[:1] == sep or element == ""):
        out.append(" ")
    out.append(element.replace(sep, sep + sep) if sep and sep in element else element)
    out.append(sep)


def item_listop(ev: Evaluator, item: Item, skipping: bool) -> str:
    """${filter{list}{condition}}, ${map{list}{expression}}, ${reduce{list}{init}{expr}}."""
    ctx = ev.ctx
    name = item.name
    tokens = list(item.args)
    saved_item, saved_value = ctx.iterate_item, ctx.lookup_value

    def next_token() -> object:
        tok = tokens.pop(0) if tokens else None
        if isinstance(tok, Break):
            ev.raise_break(tok)
        return tok

    first = next_token()
    assert isinstance(first, Group)
    list_text = ev.seq(first.seq, skipping)
    if name == "reduce":
        init = next_token()
        assert isinstance(init, Group)
        ctx.lookup_value = ev.seq(init.seq, skipping)
    expr = next_token()
    # Walk the condition/expression once unevaluated: the list may be empty.
    try:
        if isinstance(expr, CondGroup):
            ev.condition(expr.cond, False)
        else:
            assert isinstance(expr, Group)
            ev.seq(expr.seq, True)
    except ExpansionError as error:
        raise with_suffix(error, f' inside "{name}" item') from None
    next_token()  # a Break here (missing "}") raises
    if skipping:
        return ""
    out: list[str] = []
    tainted = isinstance(list_text, Tainted)
    sep = list_separator_of(list_text)
    try:
        for element in list_items(list_text):
            ctx.iterate_item = element
            if isinstance(expr, CondGroup):
                try:
                    keep = ev.condition(expr.cond, True)
                except ExpansionError as error:
                    ctx.lookup_value = saved_value
                    raise with_suffix(error, f' inside "{name}" condition') from None
                if not keep:
                    continue
                value = element
            else:
                try:
                    assert isinstance(expr, Group)
                    value = ev.seq(expr.seq, False)
                except ExpansionError as error:
                    raise with_suffix(error, f' inside "{name}" item') from None
                if name == "reduce":
                    ctx.lookup_value = value
                    continue
            tainted = tainted or isinstance(value, Tainted)
            _append_element(out, value, sep)
    finally:
        ctx.iterate_item = saved_item
    if name == "reduce":
        result = ctx.lookup_value or ""
        ctx.lookup_value = saved_value
        return result
    if out:
        out.pop()
    return mark("".join(out), tainted)


def _identify_comparator(text: str) -> str:
    """Exim's identify_operator on the comparator of ${sort}."""
    from pyexim.expand.parser import COND_NAMES
    from pyexim.strings import ALNUM
    if text[:1] and text[0] in "=<>":
        name = text[0] + ("=" if text[1:2] == "=" else "")
    else:
        end = 0
        while end < len(text) and (text[end] in ALNUM or text[end] == "_"):
            end += 1
        name = text[:end]
        if not name:
            raise ExpansionError(f'condition name expected, but found "{text[end:end + 16]}"')
    if name not in COND_NAMES:
        # Exim leaves its message empty here: "Failed: " with nothing after it.
        raise ExpansionError("")
    return name


_SORT_NUMERIC: dict[str, Callable[[int, int], bool]] = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
                 ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_SORT_STRINGS: dict[str, Callable[[str, str], bool]] = {
    "lt": lambda a, b: strcmp(a, b) < 0, "lti": lambda a, b: strcmpic(a, b) < 0,
    "le": lambda a, b: strcmp(a, b) <= 0, "lei": lambda a, b: strcmpic(a, b) <= 0,
    "gt": lambda a, b: strcmp(a, b) > 0, "gti": lambda a, b: strcmpic(a, b) > 0,
    "ge": lambda a, b: strcmp(a, b) >= 0, "gei": lambda a, b: strcmpic(a, b) >= 0,
}


def _sorts_before(name: str, left: str, right: str) -> bool:
    if name in _SORT_NUMERIC:
        try:
            return _SORT_NUMERIC[name](string_integer(left), string_integer(right))
        except ExpansionError:
            # Exim's sortsbefore() answers "no" and the sort carries on.
            return False
    return _SORT_STRINGS[name](left, right)


def item_sort(ev: Evaluator, item: Item, skipping: bool) -> str:
    """${sort{list}{comparator}{extractor}}: an insertion sort, as Exim does it."""
    ctx = ev.ctx
    tokens = list(item.args)
    source = tokens[0]
    if isinstance(source, Break):
        ev.raise_break(source)
    assert isinstance(source, Group)
    list_text = ev.seq(source.seq, skipping)
    cmp_tok = tokens[1]
    if isinstance(cmp_tok, Break):
        ev.raise_break(cmp_tok)
    assert isinstance(cmp_tok, Group)
    comparator = ev.seq(cmp_tok.seq, skipping)
    name = _identify_comparator(comparator)
    if name not in _SORT_NUMERIC and name not in _SORT_STRINGS:
        raise ExpansionError("comparator not handled for sort")
    extractor = tokens[2]
    if isinstance(extractor, Break):
        ev.raise_break(extractor)
    assert isinstance(extractor, Group)
    ev.seq(extractor.seq, True)
    if len(tokens) > 3 and isinstance(tokens[3], Break):
        ev.raise_break(tokens[3])
    if skipping:
        return ""
    sep = list_separator_of(list_text)
    items: list[str] = []
    keys: list[str] = []
    saved_item = ctx.iterate_item
    try:
        for element in list_items(list_text):
            ctx.iterate_item = element
            try:
                key = ev.seq(extractor.seq, False)
            except ExpansionError:
                key = ""
            if not key:
                raise ExpansionError(f'field-extract in sort: "{extractor.source}"')
            position = len(items)
            for index, other in enumerate(keys):
                if _sorts_before(name, key, other):
                    position = index
                    break
            items.insert(position, element)
            keys.insert(position, key)
    finally:
        ctx.iterate_item = saved_item
    tainted = isinstance(list_text, Tainted)
    return mark(sep.join(e.replace(sep, sep + sep) for e in items), tainted)


def list_element(field: int, list_text: str) -> str | None:
    """Exim's expand_getlistele: element *field* (1-based; negative from the end)."""
    elements = list(list_items(list_text))
    if field < 0:
        field += len(elements) + 1
    if field <= 0 or field > len(elements):
        return None
    return elements[field - 1]


def item_listextract(ev: Evaluator, item: Item, skipping: bool) -> str:
    """${listextract{number}{list}{yes}{no}}."""
    ctx = ev.ctx
    save_value = ctx.lookup_value
    save_numbers = list(ctx.match_strings)
    cur = Cursor(item.args, item.closed, item)
    subs: list[str] = []
    field = 1
    for i in range(2):
        value = ev.expect_group(cur, skipping, f"missing '{{' for arg {i + 1} of listextract")
        subs.append(value)
        if i == 0:
            text = value.strip(" \t\n\v\f\r")
            if not text and not skipping:
                raise ExpansionError('first argument of "listextract" must not be empty')
            sign = 1
            if text.startswith("-"):
                sign, text = -1, text[1:]
            digits = 0
            pos = 0
            while pos < len(text) and text[pos] in DIGITS:
                digits = digits * 10 + ord(text[pos]) - 48
                pos += 1
            if pos < len(text):
                raise ExpansionError('first argument of "listextract" must be numeric')
            field = sign * digits
    ctx.lookup_value = None if skipping else list_element(field, subs[1])
    out = ev.process_yesno(cur, skipping, ctx.lookup_value is not None, save_value,
                           "listextract")
    ctx.match_strings = save_numbers
    return out


def item_listquote(ev: Evaluator, item: Item, skipping: bool) -> str:
    """${listquote{separator}{text}}: *text* as one list element."""
    sep, text = ev.read_subs(Cursor(item.args, item.closed, item), 2, 2, skipping, True,
                             item.name)
    assert sep is not None and text is not None
    if not text:
        return " "
    if sep:
        return mark(text.replace(sep[0], sep[0] * 2), isinstance(text, Tainted))
    return text
