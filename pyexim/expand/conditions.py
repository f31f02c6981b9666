"""Expansion conditions, as used by ``${if}``, ``filter``, ``forany`` (Exim: expand.c
eval_condition; spec: "Expansion conditions").

``CONDITIONS`` maps each condition name to ``(evaluator, condition, want) -> bool``,
returning the condition's truth before any ``!`` is applied. With *want* False the
condition is only walked (Exim's "yield == NULL": the unused side of ``and``/``or``,
a skipped ``${if}``): its arguments are read, errors in them reported, nothing tested.
"""

from __future__ import annotations

# Modules that take a while to import (hashlib, hmac, subprocess, and crypteq's hashing)
# are imported in the functions that use them: most runs never need them.
import os
import time
from collections.abc import Callable

from pyexim import hostaddr
from pyexim.expand.context import ACL_DEFER, ACL_FAIL, ACL_OK, FORBID_EXISTS
from pyexim.expand.evaluator import (
    END,
    Cursor,
    ExpansionError,
    ForcedFail,
    string_integer,
    with_suffix,
)
from pyexim.expand.nodes import Break, CondGroup, Condition, Group, HeaderRef, Variable
from pyexim.expand.pcre import compile_or_fail, set_match_strings
from pyexim.strings import DIGITS, list_items, lower, strcmp, strcmpic
from pyexim.taint import mark

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.expand.evaluator import Evaluator

CondFunc = Callable[["Evaluator", Condition, bool], bool]


def _cursor(cond: Condition) -> Cursor:
    return Cursor(cond.args, True, cond)


# ---------------------------------------------------------------------------

def cond_def(ev: Evaluator, cond: Condition, want: bool) -> bool:
    from pyexim.expand.variables import find_header, find_variable, variable_error_suffix
    target = cond.args[0]
    if isinstance(target, Break):
        ev.raise_break(target)
    if isinstance(target, HeaderRef):
        if "}" in target.name:
            ev.malformed_header = True
        return want and find_header(ev.ctx, target.name, exists_only=True) is not None
    assert isinstance(target, Variable)
    name = target.name
    value = find_variable(ev, name, skipping=not want)
    if value is None:
        message = (f'unknown variable "{name}" after "def:"' if name
                   else 'variable name omitted after "def:"')
        raise ExpansionError(message + variable_error_suffix(name, ev.ctx))
    return value != ""


def cond_first_delivery(ev: Evaluator, cond: Condition, want: bool) -> bool:
    return ev.ctx.first_delivery


def cond_queue_running(ev: Evaluator, cond: Condition, want: bool) -> bool:
    return ev.ctx.queue_running


def _one_arg(test: Callable[[Evaluator, str], bool]) -> CondFunc:
    def handler(ev: Evaluator, cond: Condition, want: bool) -> bool:
        value = ev.take_group(_cursor(cond), not want)
        return test(ev, value) if want else False
    return handler


def _exists(ev: Evaluator, path: str) -> bool:
    if FORBID_EXISTS in ev.ctx.forbid:
        raise ExpansionError("File existence tests are not permitted")
    try:
        os.stat(path.encode("latin-1"))
    except (OSError, ValueError):
        return False
    return True


def _not_compiled(name: str) -> Callable[[Evaluator, str], bool]:
    # pyexim has no PAM, RADIUS, LDAP or Cyrus client; it answers as an Exim built
    # without them does.
    def test(ev: Evaluator, value: str) -> bool:
        raise ExpansionError(f'support for "{name}" not compiled')
    return test


def cond_acl(ev: Evaluator, cond: Condition, want: bool) -> bool:
    cur = _cursor(cond)
    subs = _groups(ev, cur, not want)
    if not subs:
        raise ExpansionError("too few arguments or bracketing error for acl")
    if not want:
        return False
    rc, user_message = run_acl(ev, subs[0], subs[1:])
    if rc in (ACL_OK, ACL_FAIL):
        ev.ctx.lookup_value = user_message
        return rc == ACL_OK
    if rc == ACL_DEFER:
        raise ForcedFail(f'{rc} from acl "{subs[0]}"')
    raise ExpansionError(f'{rc} from acl "{subs[0]}"')


def run_acl(ev: Evaluator, name: str, args: list[str]) -> tuple[str, str | None]:
    """Call ACL *name* with $acl_arg1.. set to *args* (at most 9); the caller's arguments
    are restored afterwards, as Exim's eval_acl does."""
    ctx = ev.ctx
    if ctx.acl_runner is None:
        raise ExpansionError(f'cannot run ACL "{name}": no ACL support in this context')
    saved = ctx.acl_args
    ctx.acl_args = list(args[:9])
    try:
        return ctx.acl_runner(name, ctx.acl_args, ctx)
    finally:
        ctx.acl_args = saved


def _groups(ev: Evaluator, cur: Cursor, skipping: bool) -> list[str]:
    """All remaining Group arguments (a Break among them raises)."""
    values = []
    while True:
        tok = cur.peek()
        if isinstance(tok, Group):
            cur.take()
            values.append(ev.seq(tok.seq, skipping))
        elif isinstance(tok, Break):
            ev.raise_break(tok)
        else:
            return values


def cond_saslauthd(ev: Evaluator, cond: Condition, want: bool) -> bool:
    subs = _groups(ev, _cursor(cond), not want)
    if len(subs) < 2:
        raise ExpansionError("too few arguments or bracketing error for saslauthd")
    if want:
        raise ExpansionError('support for "saslauthd" not compiled')
    return False


# -- two-argument conditions -------------------------------------------------

def _two_args(compare: Callable[[Evaluator, str, str], bool], numeric: bool = False
              ) -> CondFunc:
    def handler(ev: Evaluator, cond: Condition, want: bool) -> bool:
        cur = _cursor(cond)
        a = ev.take_group(cur, not want)
        if numeric and want:
            na = 0 if a == "" else string_integer(a)
        b = ev.take_group(cur, not want)
        if not want:
            return False
        if numeric:
            nb = 0 if b == "" else string_integer(b)
            return compare(ev, na, nb)  # type: ignore[arg-type]
        return compare(ev, a, b)
    return handler


_NUMERIC = {
    "<": lambda ev, a, b: a < b, "<=": lambda ev, a, b: a <= b,
    "=": lambda ev, a, b: a == b, "==": lambda ev, a, b: a == b,
    ">": lambda ev, a, b: a > b, ">=": lambda ev, a, b: a >= b,
}
_STRINGS = {
    "lt": lambda ev, a, b: strcmp(a, b) < 0, "lti": lambda ev, a, b: strcmpic(a, b) < 0,
    "le": lambda ev, a, b: strcmp(a, b) <= 0, "lei": lambda ev, a, b: strcmpic(a, b) <= 0,
    "eq": lambda ev, a, b: a == b, "eqi": lambda ev, a, b: strcmpic(a, b) == 0,
    "gt": lambda ev, a, b: strcmp(a, b) > 0, "gti": lambda ev, a, b: strcmpic(a, b) > 0,
    "ge": lambda ev, a, b: strcmp(a, b) >= 0, "gei": lambda ev, a, b: strcmpic(a, b) >= 0,
}


def _match(ev: Evaluator, subject: str, pattern: str) -> bool:
    regex = compile_or_fail(pattern)
    found = regex.search(subject)
    if found is None:
        return False
    set_match_strings(ev.ctx, found, subject)
    return True


def _list_match(kind: str) -> Callable[[Evaluator, str, str], bool]:
    def compare(ev: Evaluator, subject: str, list_text: str) -> bool:
        from pyexim import lists
        from pyexim.expand.items import lookup_context
        ctx = ev.ctx
        lookup_context(ev)  # list items may be lookups: make sure there is a context
        if kind == "ip":
            if subject and hostaddr.is_ip_address(subject) == 0:
                raise ExpansionError(f'"{subject}" is not an IP address')
            result = lists.match_ip(subject, list_text, ctx)
        elif kind == "address":
            result = lists.match_address(subject, list_text, ctx)
        elif kind == "domain":
            result = lists.match_domain(subject, list_text, ctx)
        else:
            result = lists.match_local_part(subject, list_text, ctx,
                                            caseless=True)
        if result.deferred:
            # Exim shows its search_error_message here, "NULL" when nothing set it.
            shown = result.search_error if result.search_error is not None else "NULL"
            raise ExpansionError(f'unable to complete match against "{list_text}": {shown}')
        if result.matched:
            if result.value is not None:
                ctx.lookup_value = result.value
            if result.captures:
                ctx.match_strings = list(result.captures)
        return result.matched
    return compare


def _crypteq(ev: Evaluator, plain: str, encrypted: str) -> bool:
    from pyexim.expand.crypteq import crypteq
    return crypteq(plain, encrypted)


def _inlist(caseless: bool) -> Callable[[Evaluator, str, str], bool]:
    def compare(ev: Evaluator, value: str, list_text: str) -> bool:
        ctx = ev.ctx
        saved = ctx.iterate_item
        try:
            for item in list_items(list_text):
                ctx.iterate_item = item
                if (strcmpic(value, item) == 0) if caseless else value == item:
                    ctx.lookup_value = item
                    return True
            return False
        finally:
            ctx.iterate_item = saved
    return compare


# -- combinations ----------------------------------------------------------------

def _combined(is_and: bool) -> CondFunc:
    def handler(ev: Evaluator, cond: Condition, want: bool) -> bool:
        name = cond.name
        combined = is_and
        evaluate = want
        for tok in cond.args:
            if isinstance(tok, Break):
                ev.raise_break(tok)
            assert isinstance(tok, CondGroup)
            result = ev.cond_group(tok, evaluate, f' inside "{name}{{...}}" condition')
            if want and evaluate:
                if is_and:
                    combined = combined and result
                    if not combined:
                        evaluate = False
                else:
                    combined = combined or result
                    if combined:
                        evaluate = False
        return combined if want else False
    return handler


def _iterate(is_forany: bool, json: bool, jsons: bool) -> CondFunc:
    def handler(ev: Evaluator, cond: Condition, want: bool) -> bool:
        from pyexim.expand.listitems import dewrap, json_array_items
        ctx = ev.ctx
        name = cond.name
        cur = _cursor(cond)
        list_text = ev.take_group(cur, not want)
        sub = cur.take()
        if isinstance(sub, Break):
            ev.raise_break(sub)
        assert isinstance(sub, CondGroup)
        suffix = f' inside "{name}" condition'
        # Walk the condition once, unevaluated: the list may be empty.
        ev.cond_group(sub, False, suffix)
        after = cur.peek()
        if isinstance(after, Break):
            ev.raise_break(after)
        saved = ctx.iterate_item
        result = False
        try:
            items = json_array_items(list_text) if json else list_items(list_text)
            for item in items:
                if jsons:
                    try:
                        item = dewrap(item, '""')
                    except ExpansionError as error:
                        raise with_suffix(error, " wrapping string result for extract "
                                          "jsons") from None
                ctx.iterate_item = item
                tempcond = ev.cond_group(sub, True, suffix)
                result = tempcond
                if tempcond == is_forany:
                    break
        finally:
            ctx.iterate_item = saved
        return result if want else False
    return handler


def cond_bool(lax: bool) -> CondFunc:
    name = "bool_lax" if lax else "bool"

    def handler(ev: Evaluator, cond: Condition, want: bool) -> bool:
        cur = _cursor(cond)
        tok = cur.peek()
        if isinstance(tok, Break):
            ev.raise_break(tok)
        if not isinstance(tok, Group):
            raise ExpansionError(f"too few arguments or bracketing error for {name}")
        value = ev.take_group(cur, not want).strip(" \t\n\v\f\r")
        # Checked even when skipping, as Exim does.
        if not value:
            return False
        digits = value[1:] if value[0] == "-" else value
        if digits and all(c in DIGITS for c in digits) or (value == "-"):
            truth = int(digits or "0") != 0
            if lax and len(value) > 1:
                truth = True
            return truth
        if strcmpic(value, "true") == 0 or strcmpic(value, "yes") == 0:
            return True
        if strcmpic(value, "false") == 0 or strcmpic(value, "no") == 0:
            return False
        if lax:
            return True
        raise ExpansionError(f'unrecognised boolean value "{value}"')
    return handler


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def cond_inbound_srs(ev: Evaluator, cond: Condition, want: bool) -> bool:
    import hashlib
    import hmac
    import re
    ctx = ev.ctx
    subs = _groups(ev, _cursor(cond), not want)
    if len(subs) < 2:
        raise ExpansionError("too few arguments or bracketing error for inbound_srs")
    local_part, secret = subs[0], subs[1]
    found = re.match(r"(?i)^SRS0=([^=]+)=([A-Z2-7]+)=([^=]*)=(.*)$", local_part,
                     re.ASCII | re.DOTALL)
    if not found:
        return False
    quoting = local_part.startswith('"') or any(
        not c.isalnum() and c not in ".!#$%&'*+-/=?^_`{|}~" for c in local_part)
    q = '"' if quoting else ""
    # Exim formats it with %S, its lower-casing conversion.
    recipient = f"{q}{lower(found.group(4))}{q}@{lower(found.group(3))}"
    ctx.values["srs_recipient"] = mark(recipient, True)
    if not secret:
        return True
    days = int(ctx.clock()) // 86400
    stamp = 0
    for c in found.group(2):
        stamp = stamp * 32 + _BASE32.find(c)
    if ((days - stamp) & 0x3FF) > 10:
        return False
    if len(found.group(1)) != 4:
        return False
    digest = hmac.new(secret.encode("latin-1"), recipient.encode("latin-1"),
                      hashlib.md5).hexdigest()[:4]
    return digest == found.group(1)


CONDITIONS: dict[str, CondFunc] = {
    "def": cond_def,
    "first_delivery": cond_first_delivery,
    "queue_running": cond_queue_running,
    "exists": _one_arg(_exists),
    "isip": _one_arg(lambda ev, v: hostaddr.is_ip_address(v) != 0),
    "isip4": _one_arg(lambda ev, v: hostaddr.is_ip_address(v) == 4),
    "isip6": _one_arg(lambda ev, v: hostaddr.is_ip_address(v) == 6),
    "pam": _one_arg(_not_compiled("pam")),
    "radius": _one_arg(_not_compiled("radius")),
    "ldapauth": _one_arg(_not_compiled("ldapauth")),
    "pwcheck": _one_arg(_not_compiled("pwcheck")),
    "acl": cond_acl,
    "saslauthd": cond_saslauthd,
    **{name: _two_args(func, numeric=True) for name, func in _NUMERIC.items()},
    **{name: _two_args(func) for name, func in _STRINGS.items()},
    "match": _two_args(_match),
    "match_address": _two_args(_list_match("address")),
    "match_domain": _two_args(_list_match("domain")),
    "match_ip": _two_args(_list_match("ip")),
    "match_local_part": _two_args(_list_match("local_part")),
    "crypteq": _two_args(_crypteq),
    "inlist": _two_args(_inlist(False)),
    "inlisti": _two_args(_inlist(True)),
    "and": _combined(True),
    "or": _combined(False),
    "forall": _iterate(False, False, False),
    "forany": _iterate(True, False, False),
    "forall_json": _iterate(False, True, False),
    "forany_json": _iterate(True, True, False),
    "forall_jsons": _iterate(False, True, True),
    "forany_jsons": _iterate(True, True, True),
    "bool": cond_bool(False),
    "bool_lax": cond_bool(True),
    "inbound_srs": cond_inbound_srs,
}

__all__ = ["CONDITIONS", "END", "run_acl", "time"]
