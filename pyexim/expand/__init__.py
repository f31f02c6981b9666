"""The ${...} string expansion language (Exim: expand.c; spec: "String expansions").

Contract: a string is parsed once (cached) into nodes and evaluated against an
expansion context (message, address, ACL variables, lookups, clock, host). The result
is a string, or a forced failure (``fail``) which is distinct from an expansion error;
callers decide what each means, as Exim does. Tainted input stays tainted through
expansion (pyexim.taint).

Text is Exim's bytes, one character per byte (latin-1 code points): see pyexim.strings.
``to_engine``/``from_engine`` (from there) convert from and to the UTF-8-with-surrogateescape text
that pyexim.message and pyexim.config use.

Public interface::

    expand_string(text, ctx) -> str        # ExpansionError / ForcedFail on failure
    expand_for_config(text) -> str         # values Exim expands while reading the config
    expand_condition(text, ctx) -> bool    # router "condition" truth rules
    acl_condition_value(text) -> bool | None   # ACL "condition =" truth rules
    check_syntax(text) -> str | None       # the error Exim would give, or None
"""

from __future__ import annotations

from pyexim.expand.context import ExpansionContext, ExpansionOptions, HeaderView
from pyexim.expand.evaluator import (
    CurlyError,
    Evaluator,
    ExpansionError,
    ForcedFail,
    LookupDeferred,
)
from pyexim.expand.parser import parse
from pyexim.strings import DIGITS, from_engine, strcmpic, to_engine
from pyexim.taint import Tainted

__all__ = ["ExpansionContext", "ExpansionError", "ExpansionOptions", "ForcedFail",
           "HeaderView", "LookupDeferred", "acl_condition_value", "check_syntax",
           "expand_condition", "expand_for_config", "expand_string", "expand_with",
           "from_engine", "to_engine"]


def _refuse_tainted(ev: Evaluator, text: str) -> None:
    if isinstance(text, Tainted):
        message = f"attempt to expand tainted string '{text}'"
        if ev.ctx.panic_log is not None:
            ev.ctx.panic_log(message)
        raise ExpansionError(message)


def expand_string(text: str, ctx: ExpansionContext) -> str:
    """Expand *text* (Exim's expand_string).

    Returns the result (Tainted when tainted data went into it). Raises ForcedFail for
    a forced failure, LookupDeferred when a lookup deferred, ExpansionError otherwise;
    the exception's ``message`` is Exim's text. A string without ``$`` or ``\\`` is
    returned as it is; otherwise a tainted string is refused, as Exim refuses it.
    """
    if "$" not in text and "\\" not in text:
        return text
    ev = Evaluator(ctx)
    _refuse_tainted(ev, text)
    return ev.seq(parse(text), False)


def expand_with(ev: Evaluator, text: str, *, always: bool = False) -> str:
    """Expand *text* as a nested expansion that shares *ev*'s state.

    Used by ``${expand:}`` (*always*: even text without metacharacters is checked for
    taint, as Exim does there), ``${sg}`` replacements and ``${run}`` arguments.
    """
    if not always and "$" not in text and "\\" not in text:
        return text
    _refuse_tainted(ev, text)
    return ev.seq(parse(text), False)


def expand_for_config(text: str) -> str:
    """Expand a value Exim expands while reading the configuration (trusted_users,
    spool_directory...): no message, no client, nothing from the configuration yet.

    Takes and returns configuration text (UTF-8 with surrogateescape); raises as
    expand_string does.
    """
    return from_engine(expand_string(to_engine(text), ExpansionContext()))


def expand_condition(text: str, ctx: ExpansionContext) -> bool:
    """Expand *text* and read it as a router condition does (Exim: expand_check_condition).

    False for an empty result, "0", "no" or "false" (any case); True otherwise.
    Expansion failures raise, as from expand_string: the caller decides (routers treat
    a forced failure as false and log other errors).
    """
    value = expand_string(text, ctx)
    return bool(value) and value != "0" and strcmpic(value, "no") != 0 and \
        strcmpic(value, "false") != 0


def acl_condition_value(value: str) -> bool | None:
    """An expanded ACL ``condition =`` value: True, False, or None when it is invalid
    (Exim then defers with: invalid "condition" value "VALUE")."""
    digits = value[1:] if value[:1] == "-" else value
    if all(c in DIGITS for c in digits):
        return int(digits or "0") != 0
    if strcmpic(value, "no") == 0 or strcmpic(value, "false") == 0:
        return False
    if strcmpic(value, "yes") == 0 or strcmpic(value, "true") == 0:
        return True
    return None


def check_syntax(text: str) -> str | None:
    """The error Exim would report if *text* were expanded where its value is not used,
    or None: syntax errors, unknown operators, variables and conditions (for -bV)."""
    if "$" not in text and "\\" not in text:
        return None
    ev = Evaluator(ExpansionContext())
    try:
        ev.seq(parse(text), True)
    except ExpansionError as error:
        return error.message
    return None


# Keep the names importable for callers that only need the error classes.
_ = (CurlyError,)
