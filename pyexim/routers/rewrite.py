"""Rewriting envelope addresses with the global rewrite rules (Exim: rewrite.c
rewrite_address, rewrite_one; spec: "Address rewriting").

Routing needs the envelope part of rewriting: ``-bt``/``-bv`` rewrite the address they
test ("Address rewritten as:"). A rule applies when its flags name the envelope field
(``E``, ``F``, ``T``, or no field flag at all); its pattern is matched as a one-item
address list (setting ``$0``, ``$1``...), its replacement expanded with ``$local_part``
and ``$domain`` of the address; ``*`` keeps the address, a forced failure skips the rule
(or stops, with ``q``), ``R`` repeats a rule up to ten times, ``Q`` qualifies an
unqualified result. Header and SMTP-time rewriting are not here, nor the
address_rewrite log line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyexim.routers.chain import Routing

ENVELOPE_FROM = "F"
ENVELOPE_TO = "T"
_FIELD_FLAGS = frozenset("EFTshftcbrS")


def applies(flags: str, field: str) -> bool:
    """Does a rule with *flags* rewrite envelope *field* ("F" or "T")?"""
    if "S" in flags:
        return False
    if not _FIELD_FLAGS & set(flags):
        return True          # no field named: every normal field (Exim's rewrite_all)
    return "E" in flags or field in flags


def rewrite_envelope(run: Routing, address: str, is_recipient: bool) -> str:
    """*address* qualified, then rewritten by the global rules for its envelope field
    (Exim's rewrite_address); problems are logged and stop the rewriting there."""
    from pyexim.address import find_at
    from pyexim.routers.verify import qualify
    if address and find_at(address) < 0:
        address = qualify(run, address, is_recipient)
    field = ENVELOPE_TO if is_recipient else ENVELOPE_FROM
    rules = [r for r in run.config.rewrite_rules if applies(r.flags, field)]
    if not rules or not address:
        return address
    subject = address
    for rule in rules:
        subject, stop = _apply(run, rule, subject, field)
        if stop:
            break
    return subject


def _apply(run: Routing, rule: Any, subject: str, field: str) -> tuple[str, bool]:
    """One rule, repeated as "R" asks: (the address now, whether to stop rewriting)."""
    for count in range(11):
        what, new = _once(run, rule, subject, field)
        if what == "skip":
            return subject, False
        if what == "forced":
            return subject, "q" in rule.flags
        if what == "stop":
            return subject, True
        subject = new
        if "R" not in rule.flags:
            break
        if count == 10:
            run.log("rewrite rule repeat ignored after 10 times", panic=True)
    return subject, "q" in rule.flags


def _once(run: Routing, rule: Any, subject: str, field: str) -> tuple[str, str]:
    """Apply *rule* once: ("new", address), or ("skip", "") when it does not match,
    ("forced", "") for a forced failure, ("stop", "") when rewriting ends here."""
    from pyexim import lists
    from pyexim.address import AddressError, extract_address
    from pyexim.expand import ExpansionError, ForcedFail, to_engine
    from pyexim.routers.base import message_of
    from pyexim.routers.verify import qualify
    pattern, replacement = to_engine(rule.pattern), to_engine(rule.replacement)
    match = lists.match_address(subject, pattern, run.ctx, caseless=False, expand=True,
                                expand_setup=0, single_item=True)
    if not match.matched:
        return "skip", ""
    if replacement == "*":
        return "stop", ""
    values = run.ctx.values
    at = subject.rfind("@")
    saved = values.get("local_part"), values.get("domain")
    saved_numbers = run.ctx.match_strings
    values["local_part"], values["domain"] = subject[:at], subject[at + 1:]
    run.ctx.match_strings = list(match.captures)
    try:
        new = run.expand(replacement)
    except ForcedFail:
        return "forced", ""
    except ExpansionError as error:
        run.log(f"Expansion of {replacement} failed while rewriting: {message_of(error)}",
                panic=True)
        return "stop", ""
    finally:
        values["local_part"], values["domain"] = saved
        run.ctx.match_strings = saved_numbers
    try:
        found = extract_address(new, allow_null=field == ENVELOPE_FROM)
    except AddressError as error:
        run.log(f"Rewrite of {subject} yielded unparseable address: {error} in address "
                f"{new}", panic=True)
        return "stop", ""
    parsed = found.address
    if not found.domain and (parsed or field != ENVELOPE_FROM):
        if "Q" not in rule.flags:
            run.log(f'Rewrite of {subject} yielded unqualified address "{new}"', panic=True)
            return "stop", ""
        parsed = qualify(run, parsed, True)
    return "new", parsed
